"""HHS's enrollments of record: what a change notice's answers leave for each person, and
the enrollments it ends for members its decision leaves out of the case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from eligibility.common.v1 import determination_pb2 as det
from services.hhs.case_turns import take_case_turn
from services.hhs.changes import (
    PROGRAMS,
    Ended,
    ProgramStanding,
    effect_for,
    held_order,
    hhs_standings,
    is_newer,
)
from services.hhs.periods import PeriodBook
from services.hhs.tables import Enrollment
from shared.bulk_insert import insert_many
from shared.change_effect import Effect
from shared.change_notice import CheckedNotice
from shared.decision_order import DecisionOrder

_TABLE = Enrollment.__table__  # type: ignore[attr-defined]
# What a notice may change of an enrollment it holds (all but the key and the id).
_CHANGED = (
    "status",
    "monthly_benefit_cents",
    "csr_level",
    "effective_date",
    "idempotency_key",
    "revision",
    "ended_on",
    "ended_revision",
    "ended_by",
)
_COLUMNS = ("case_id", "person_id", "program", *_CHANGED)


@dataclass(slots=True)
class _Held:
    """An enrollment of the case as read, changed in place by the notice."""

    id: int
    person_id: str
    program: str
    status: str
    monthly_benefit_cents: int
    csr_level: str
    effective_date: dt.date
    idempotency_key: str
    revision: int
    ended_on: dt.date | None
    ended_revision: int
    ended_by: str


# Built once, run with each notice's values: plain rows, not model objects (a notice reads
# and writes a few rows, and the ORM's and the statement builder's work cost more).
_READ = select(*(_TABLE.c[f.name] for f in fields(_Held))).where(
    _TABLE.c.case_id == bindparam("case_id")
)
_REWRITE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row_id"))
    .values({name: bindparam(f"new_{name}") for name in _CHANGED})
)


def standings_of(notice: CheckedNotice) -> list[ProgramStanding]:
    return [
        ProgramStanding(
            person.person_id,
            det.Program.Name(answer.program).removeprefix("PROGRAM_"),
            det.DeterminationStatus.Name(answer.status).removeprefix("DETERMINATION_STATUS_"),
            answer.monthly_benefit_cents,
            det.CsrLevel.Name(answer.csr_level).removeprefix("CSR_LEVEL_")
            if answer.csr_level
            else "",
        )
        for person in notice.notice.determinations
        for answer in person.programs
    ]


def apply_change(session: Session, notice: CheckedNotice) -> Effect:
    """HHS's part of a change: each new answer for its programs becomes the enrollment
    of record, and each enrollment of a member the decision leaves out ends, unless what
    is held came from a newer decision (services.hhs.changes). Every answer, and every
    member left out, also goes into the people's enrollment periods (services.hhs.periods),
    an older decision's too: it may say what held before a newer one took effect."""
    take_case_turn(session, notice.case_id)
    left = frozenset(notice.left)
    standings = hhs_standings(standings_of(notice))
    incoming = DecisionOrder(notice.revision, notice.effective_date)
    connection = session.connection()
    held = {
        (row.person_id, row.program): _Held(*row)
        for row in connection.execute(_READ, {"case_id": notice.case_id})
    }
    periods = PeriodBook(session, notice.case_id)
    # Enrollments the case did not hold yet, and held ones changed, written at the end.
    new: list[dict[str, Any]] = []
    changed: dict[int, _Held] = {}
    applied, ended = 0, []
    for standing in standings:
        row = held.get((standing.person_id, standing.program))
        if standing.person_id in left:
            if row is None:
                # Nothing held to end: the answer they left with is the record, ended.
                new.append(_new(notice, standing, ended_by=notice))
                ended.append(Ended(standing.person_id, standing.program))
            continue
        holds = periods.record(standing.person_id, standing.program, notice, standing)
        if not holds:
            # A newer decision already holds from this one's day (it may have left them out,
            # where the record kept only the first decision that ended it): this answer is
            # history, in the periods, not the record.
            continue
        if row is not None and not is_newer(_order(row), incoming):
            continue
        if row is None:
            new.append(_new(notice, standing))
        else:
            _standing(row, standing, notice)
            # A newer decision answering for someone ended before: they are back in the case.
            row.ended_on, row.ended_revision, row.ended_by = None, 0, ""
            changed[row.id] = row
        applied += 1
    for row in held.values():
        if row.person_id in left and row.ended_on is None and is_newer(_order(row), incoming):
            _end(row, notice)
            changed[row.id] = row
            ended.append(Ended(row.person_id, row.program))
    # Out of the case from its day in every HHS program, held or not: an older decision
    # delivered later may answer for one HHS held nothing in, and must not outlast this.
    for person_id in sorted(left):
        for program in PROGRAMS:
            periods.record(person_id, program, notice, None)
    # Rows the case did not have go in as one executemany each for enrollments and periods
    # (shared.bulk_insert): as model objects flushed one by one they were most of the cost
    # of a new case's first notice.
    if new:
        insert_many(connection, _TABLE, new, _COLUMNS)
    if changed:
        connection.execute(
            _REWRITE,
            [
                {"row_id": row_id, **{f"new_{name}": getattr(row, name) for name in _CHANGED}}
                for row_id, row in changed.items()
            ],
        )
    periods.write()
    return effect_for([s for s in standings if s.person_id not in left], applied, ended, left)


def _new(
    notice: CheckedNotice, standing: ProgramStanding, ended_by: CheckedNotice | None = None
) -> dict[str, Any]:
    """An enrollment's columns, ended by ``ended_by`` when given."""
    return {
        "case_id": notice.case_id,
        "person_id": standing.person_id,
        "program": standing.program,
        "status": standing.status,
        "monthly_benefit_cents": standing.monthly_benefit_cents,
        "csr_level": standing.csr_level,
        "effective_date": notice.effective_date,
        "idempotency_key": notice.key,
        "revision": notice.revision,
        "ended_on": ended_by.effective_date if ended_by else None,
        "ended_revision": ended_by.revision if ended_by else 0,
        "ended_by": ended_by.key if ended_by else "",
    }


def _standing(row: _Held, standing: ProgramStanding, notice: CheckedNotice) -> _Held:
    row.status = standing.status
    row.monthly_benefit_cents = standing.monthly_benefit_cents
    row.csr_level = standing.csr_level
    row.effective_date, row.idempotency_key = notice.effective_date, notice.key
    row.revision = notice.revision
    return row


def _end(row: _Held, notice: CheckedNotice) -> None:
    row.ended_on, row.ended_revision, row.ended_by = (
        notice.effective_date,
        notice.revision,
        notice.key,
    )


def _order(row: _Held) -> DecisionOrder:
    return held_order(row.revision, row.effective_date, row.ended_revision, row.ended_on)


def enrollments_for(session: Session, case_id: str) -> list[Enrollment]:
    return list(session.exec(select(Enrollment).where(Enrollment.case_id == case_id)))
