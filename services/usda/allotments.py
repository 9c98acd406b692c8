"""USDA's SNAP allotments of record: what a change notice's household answer leaves."""

from __future__ import annotations

from sqlmodel import Session

from eligibility.common.v1 import determination_pb2 as det
from services.usda.changes import SnapStanding, effect_for, takes_effect
from services.usda.tables import SnapAllotment
from shared.change_effect import Effect
from shared.change_notice import CheckedNotice


def standing_of(notice: CheckedNotice) -> SnapStanding | None:
    """The notice's SNAP household answer; the last one when it carries several."""
    snap = [a for a in notice.notice.household_determinations if a.program == det.PROGRAM_SNAP]
    if not snap:
        return None
    answer = snap[-1]
    return SnapStanding(
        det.DeterminationStatus.Name(answer.status).removeprefix("DETERMINATION_STATUS_"),
        answer.monthly_benefit_cents,
    )


def apply_change(session: Session, notice: CheckedNotice) -> Effect:
    standing = standing_of(notice)
    if standing is None:
        return effect_for(None, False)
    row = session.get(SnapAllotment, notice.case_id)
    if row is not None and not takes_effect(row.effective_date, notice.effective_date):
        return effect_for(standing, False)
    row = row or SnapAllotment(
        case_id=notice.case_id,
        status="",
        effective_date=notice.effective_date,
        idempotency_key=notice.key,
    )
    row.status, row.monthly_allotment_cents = standing.status, standing.monthly_allotment_cents
    row.effective_date, row.idempotency_key = notice.effective_date, notice.key
    session.add(row)
    return effect_for(standing, True)
