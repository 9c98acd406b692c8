"""SSA's death reports: each recorded once, read back in the order they were recorded.

A reader resumes after the last sequence it saw, so sequences must become visible in
the order they are numbered: if report 6 could commit before report 5, a reader that
saw 6 would never see 5. Recording is therefore one at a time: on PostgreSQL under a
transaction-scoped advisory lock taken before the sequence is drawn, so replicas on one
database take turns; on SQLite under the database's one writer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from services.ssa.tables import SsaDeathReport, SsaPerson
from shared.db import take_turn

_TURN_SCOPE = b"elig-ssa-death-reports"


class PersonUnknown(Exception):
    """SSA holds no record for the SSN."""


class DeathBeforeBirth(Exception):
    """The death date falls before the birth SSA holds."""


class RequestReused(Exception):
    """The request_id was used for a report of another death."""


@dataclass(frozen=True)
class DeathReport:
    sequence: int
    ssn: str
    death_date: dt.date
    recorded_at: dt.datetime


def _report(row: SsaDeathReport) -> DeathReport:
    at = row.recorded_at
    at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    assert row.sequence is not None
    return DeathReport(row.sequence, row.ssn, row.death_date, at)


def _take_turn(session: Session) -> None:
    take_turn(session, _TURN_SCOPE)


def record_death(
    session: Session,
    request_id: str,
    ssn: str,
    death_date: dt.date,
    reported_by: str,
    now: dt.datetime,
) -> tuple[DeathReport, bool]:
    """The report for this request (and True when it is new). A death already reported
    for the person on that date is that report: a second reporter adds no news."""
    _take_turn(session)
    earlier = session.exec(
        select(SsaDeathReport).where(SsaDeathReport.request_id == request_id)
    ).first()
    if earlier is not None:
        if (earlier.ssn, earlier.death_date) != (ssn, death_date):
            raise RequestReused
        return _report(earlier), False
    person = session.exec(select(SsaPerson).where(SsaPerson.ssn == ssn)).first()
    if person is None:
        raise PersonUnknown
    if death_date < person.birth_date:
        raise DeathBeforeBirth
    same = session.exec(
        select(SsaDeathReport)
        .where(SsaDeathReport.ssn == ssn)
        .where(SsaDeathReport.death_date == death_date)
    ).first()
    person.death_date = death_date
    session.add(person)
    if same is not None:
        return _report(same), False
    row = SsaDeathReport(
        request_id=request_id,
        ssn=ssn,
        death_date=death_date,
        reported_by=reported_by,
        recorded_at=now.astimezone(dt.UTC),
    )
    session.add(row)
    session.flush()
    return _report(row), True


def reports_after(session: Session, after: int, limit: int) -> list[DeathReport]:
    rows = session.exec(
        select(SsaDeathReport)
        .where(col(SsaDeathReport.sequence) > after)
        .order_by(col(SsaDeathReport.sequence))
        .limit(limit)
    ).all()
    return [_report(r) for r in rows]
