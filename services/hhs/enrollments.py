"""HHS's enrollments of record: what a change notice's answers leave for each person, and
the enrollments it ends for members its decision leaves out of the case."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
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

# Built once: a notice runs it with its case (building it anew showed in profiles).
_HELD = select(Enrollment).where(Enrollment.case_id == bindparam("case_id"))
_ENROLLMENTS = Enrollment.__table__  # type: ignore[attr-defined]
_COLUMNS = (
    "case_id",
    "person_id",
    "program",
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
    held = {
        (row.person_id, row.program): row
        for row in session.exec(_HELD, params={"case_id": notice.case_id})
    }
    periods = PeriodBook(session, notice.case_id)
    # Enrollments the case did not hold yet, written together at the end.
    new: list[dict[str, Any]] = []
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
        if row is not None and not is_newer(_order(row), incoming):
            continue
        if row is None and not holds:
            # A newer decision left them out where HHS held nothing to end: only the
            # periods remember it, and this older answer is history, not the record.
            continue
        if row is None:
            new.append(_new(notice, standing))
        else:
            _standing(row, standing, notice)
            # A newer decision answering for someone ended before: they are back in the case.
            row.ended_on, row.ended_revision, row.ended_by = None, 0, ""
            session.add(row)
        applied += 1
    for row in held.values():
        if row.person_id in left and row.ended_on is None and is_newer(_order(row), incoming):
            _end(row, notice)
            session.add(row)
            ended.append(Ended(row.person_id, row.program))
    # Out of the case from its day in every HHS program, held or not: an older decision
    # delivered later may answer for one HHS held nothing in, and must not outlast this.
    for person_id in sorted(left):
        for program in PROGRAMS:
            periods.record(person_id, program, notice, None)
    # Rows the case did not have go in as one statement each for enrollments and periods
    # (shared.bulk_insert): as model objects flushed one by one they were most of the cost
    # of a new case's first notice.
    if new:
        insert_many(session.connection(), _ENROLLMENTS, new, _COLUMNS)
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


def _standing(row: Enrollment, standing: ProgramStanding, notice: CheckedNotice) -> Enrollment:
    row.status = standing.status
    row.monthly_benefit_cents = standing.monthly_benefit_cents
    row.csr_level = standing.csr_level
    row.effective_date, row.idempotency_key = notice.effective_date, notice.key
    row.revision = notice.revision
    return row


def _end(row: Enrollment, notice: CheckedNotice) -> None:
    row.ended_on, row.ended_revision, row.ended_by = (
        notice.effective_date,
        notice.revision,
        notice.key,
    )


def _order(row: Enrollment) -> DecisionOrder:
    return held_order(row.revision, row.effective_date, row.ended_revision, row.ended_on)


def enrollments_for(session: Session, case_id: str) -> list[Enrollment]:
    return list(session.exec(select(Enrollment).where(Enrollment.case_id == case_id)))
