"""Reads and writes of Treasury's tax returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, or_, select

from eligibility.common.v1.household_pb2 import Address
from services.treasury.domain import ReturnRecord
from services.treasury.tables import AddressOfRecord, TaxReturn
from shared.padded_in import PaddedIn


def _family_size(row: Any) -> int:
    return 1 + (1 if row.spouse_ssn else 0) + row.dependents


# One statement for every filer of a request, built once per shape with the values bound
# at each call, read as plain rows: this runs on every income request, where building
# statements and ORM objects, and a statement per filer, showed in profiles. It reads each
# filer's returns up to the tax year, newest first (a handful of years a person), and
# keeps the first for each.
_RETURN = TaxReturn.__table__  # type: ignore[attr-defined]
_RETURNS_UP_TO = PaddedIn(
    "ssn",
    lambda ssns: (
        select(_RETURN)
        .where(or_(_RETURN.c.primary_ssn.in_(ssns), _RETURN.c.spouse_ssn.in_(ssns)))
        .where(_RETURN.c.tax_year <= bindparam("tax_year"))
        .order_by(_RETURN.c.tax_year.desc(), _RETURN.c.id)
    ),
)


def _record(row: Any, ssn: str) -> ReturnRecord:
    is_primary = row.primary_ssn == ssn
    return ReturnRecord(
        tax_year=row.tax_year,
        filing_status=row.filing_status,
        filer_ssn=ssn,
        given_name=row.primary_given_name if is_primary else (row.spouse_given_name or ""),
        family_name=row.primary_family_name if is_primary else (row.spouse_family_name or ""),
        birth_date=row.primary_birth_date if is_primary else row.spouse_birth_date,
        family_size=_family_size(row),
        agi_cents=row.agi_cents,
        magi_cents=row.agi_cents + row.magi_add_backs_cents,
    )


def latest_returns(session: Session, ssns: Sequence[str], tax_year: int) -> dict[str, ReturnRecord]:
    """For each SSN, the return for ``tax_year`` on which it is a filer, else the latest
    earlier one; an SSN with neither is left out."""
    if not ssns:
        return {}
    wanted = set(ssns)
    statement, params = _RETURNS_UP_TO.bind(list(ssns), tax_year=tax_year)
    found: dict[str, ReturnRecord] = {}
    for row in session.connection().execute(statement, params):
        for ssn in (row.primary_ssn, row.spouse_ssn):
            if ssn in wanted and ssn not in found:
                found[ssn] = _record(row, ssn)
    return found


def upsert_returns(session: Session, rows: list[TaxReturn]) -> int:
    """Insert returns, replacing any already held for the same filer and year."""
    held: dict[tuple[str, int], TaxReturn] = {}
    for start in range(0, len(rows), 1000):
        filers = list({r.primary_ssn for r in rows[start : start + 1000]})
        found = session.exec(select(TaxReturn).where(col(TaxReturn.primary_ssn).in_(filers)))
        held.update(((r.primary_ssn, r.tax_year), r) for r in found)
    replaced = [held[key] for key in {(r.primary_ssn, r.tax_year) for r in rows} if key in held]
    for existing in replaced:
        session.delete(existing)
    if replaced:
        session.flush()
    session.add_all(rows)
    return len(rows)


def note_address(
    session: Session, ssns: list[str], address: Address, effective: dt.date, case_id: str
) -> None:
    """Make ``address`` each taxpayer's address of record, unless a later move is held."""
    held = {
        row.ssn: row
        for row in session.exec(
            select(AddressOfRecord).where(col(AddressOfRecord.ssn).in_(sorted(set(ssns))))
        )
    }
    for ssn in sorted(set(ssns)):
        row = held.get(ssn) or AddressOfRecord(
            ssn=ssn, state_code="", effective_date=effective, case_id=case_id
        )
        if ssn in held and row.effective_date > effective:
            continue
        row.line1, row.line2, row.city = address.line1, address.line2, address.city
        row.state_code, row.county, row.zip_code = (
            address.state_code,
            address.county,
            address.zip_code,
        )
        row.effective_date, row.case_id = effective, case_id
        session.add(row)
