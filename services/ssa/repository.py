"""Reads and writes of SSA's person records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, col, select

from services.ssa.domain import PersonRecord
from services.ssa.tables import SsaPerson
from shared.padded_in import PaddedIn


def _record(row: Any) -> PersonRecord:
    return PersonRecord(
        ssn=row.ssn,
        given_name=row.given_name,
        family_name=row.family_name,
        birth_date=row.birth_date,
        citizenship=row.citizenship,
        death_date=row.death_date,
    )


def records_for(session: Session, ssns: Iterable[str]) -> dict[str, PersonRecord]:
    """SSA's records for the SSNs it holds, keyed by SSN; one query for the whole request."""
    wanted = sorted(set(ssns))
    if not wanted:
        return {}
    statement, params = _RECORDS.bind(wanted)
    rows = session.connection().execute(statement, params)
    return {row.ssn: _record(row) for row in rows}


# Built once per shape with the SSNs bound at each call, and read as plain rows: this runs
# on every identity request, where building the statement (an expanding IN rendered anew
# each time) and ORM objects showed in profiles.
_PERSON = SsaPerson.__table__  # type: ignore[attr-defined]
_RECORDS = PaddedIn(
    "ssn",
    lambda ssns: select(
        _PERSON.c.ssn,
        _PERSON.c.given_name,
        _PERSON.c.family_name,
        _PERSON.c.birth_date,
        _PERSON.c.citizenship,
        _PERSON.c.death_date,
    ).where(_PERSON.c.ssn.in_(ssns)),
)


def upsert_people(session: Session, rows: list[SsaPerson]) -> int:
    """Insert people, replacing what is held for the same SSN (so seeding is repeatable);
    one look-up per thousand people, so a population of 100,000 households loads."""
    held: dict[str, SsaPerson] = {}
    for start in range(0, len(rows), 1000):
        chunk = [r.ssn for r in rows[start : start + 1000]]
        held.update(
            (p.ssn, p) for p in session.exec(select(SsaPerson).where(col(SsaPerson.ssn).in_(chunk)))
        )
    for row in rows:
        existing = held.get(row.ssn)
        if existing is None:
            session.add(row)
            continue
        existing.given_name = row.given_name
        existing.family_name = row.family_name
        existing.birth_date = row.birth_date
        existing.citizenship = row.citizenship
        existing.death_date = row.death_date
        session.add(existing)
    return len(rows)


def mark_deceased(session: Session, ssns: Iterable[str], death_date: dt.date) -> int:
    """Enter a death on each record that has none yet; how many records changed."""
    rows = session.exec(
        select(SsaPerson)
        .where(col(SsaPerson.ssn).in_(sorted(set(ssns))))
        .where(col(SsaPerson.death_date).is_(None))
    ).all()
    for row in rows:
        row.death_date = death_date
        session.add(row)
    return len(rows)
