"""SSA's own records: one row per Social Security number issued (synthetic)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from shared.audit import audit_log
from shared.change_receipt import ReceivedChangeBase


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


class SsaReceivedChange(ReceivedChangeBase, table=True):
    """Each change notice SSA was told of, once, with what SSA did (shared.change_receipt)."""

    __tablename__ = "ssa_received_change"


class SsaDeathReport(SQLModel, table=True):
    """A death reported to SSA. ``sequence`` grows with each report, in commit order
    (services/ssa/deaths.py), so a reader resumes after the last one it saw."""

    __tablename__ = "ssa_death_report"

    sequence: int | None = Field(default=None, primary_key=True)
    # The reporter's request_id: a retried report is the same report.
    request_id: str = Field(unique=True, max_length=160)
    ssn: str = Field(index=True, max_length=9)
    death_date: dt.date
    reported_by: str = ""
    recorded_at: dt.datetime


# Every identity answer SSA gives, in SSA's own hash-chained log.
AUDIT = audit_log("ssa")

TABLES = [SsaPerson, SsaReceivedChange, SsaDeathReport, *AUDIT.tables]
