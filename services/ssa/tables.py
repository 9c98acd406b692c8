"""SSA's own records: one row per Social Security number issued (synthetic)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from shared.audit import audit_log


class SsaPerson(SQLModel, table=True):
    __tablename__ = "ssa_person"

    id: int | None = Field(default=None, primary_key=True)
    ssn: str = Field(index=True, unique=True, max_length=9)
    given_name: str
    family_name: str
    birth_date: dt.date
    # "citizen", "lawfully_present" or "not_lawfully_present", as SSA recorded
    # the evidence shown when the number was issued or last updated.
    citizenship: str = Field(max_length=32)
    death_date: dt.date | None = None


# Every identity answer SSA gives, in SSA's own hash-chained log.
AUDIT = audit_log("ssa")

TABLES = [SsaPerson, *AUDIT.tables]
