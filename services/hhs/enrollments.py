"""HHS's enrollments of record: what a change notice's answers leave for each person."""

from __future__ import annotations

from sqlmodel import Session, select

from eligibility.common.v1 import determination_pb2 as det
from services.hhs.changes import ProgramStanding, effect_for, hhs_standings, is_newer
from services.hhs.tables import Enrollment
from shared.change_effect import Effect
from shared.change_notice import CheckedNotice
from shared.decision_order import DecisionOrder


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
    of record, unless the one held came from a newer decision (services.hhs.changes)."""
    standings = hhs_standings(standings_of(notice))
    incoming = DecisionOrder(notice.revision, notice.effective_date)
    held = {
        (row.person_id, row.program): row
        for row in session.exec(select(Enrollment).where(Enrollment.case_id == notice.case_id))
    }
    applied = 0
    for standing in standings:
        row = held.get((standing.person_id, standing.program))
        if row is not None and not is_newer(
            DecisionOrder(row.revision, row.effective_date), incoming
        ):
            continue
        row = row or Enrollment(
            case_id=notice.case_id,
            person_id=standing.person_id,
            program=standing.program,
            status="",
            effective_date=notice.effective_date,
            idempotency_key=notice.key,
        )
        row.status = standing.status
        row.monthly_benefit_cents = standing.monthly_benefit_cents
        row.csr_level = standing.csr_level
        row.effective_date, row.idempotency_key = notice.effective_date, notice.key
        row.revision = notice.revision
        session.add(row)
        applied += 1
    return effect_for(standings, applied)


def enrollments_for(session: Session, case_id: str) -> list[Enrollment]:
    return list(session.exec(select(Enrollment).where(Enrollment.case_id == case_id)))
