"""What a change in a case means to USDA, free of gRPC and databases.

SNAP is decided for the household, so a change notice carries at most one SNAP answer
for the case. It becomes the case's allotment of record unless USDA already holds one
from a newer decision of the orchestrator's (a higher revision, whatever either's
effective date: shared.decision_order). A notice without a SNAP answer touches nothing USDA runs.

USDA keeps nothing per person: a member a decision leaves out of the case
(``left_person_ids``) is already left out of the household answer that decision sends,
which replaces the allotment; each notice as received stays in USDA's log of changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.change_effect import BENEFIT_UPDATED, NO_ACTION, Effect


@dataclass(frozen=True)
class SnapStanding:
    status: str  # a DeterminationStatus name without its prefix
    monthly_allotment_cents: int


def effect_for(standing: SnapStanding | None, applied: bool) -> Effect:
    if standing is None:
        return Effect(NO_ACTION, "the notice carries no SNAP household answer")
    if not applied:
        return Effect(NO_ACTION, "USDA already holds a SNAP answer from a newer decision")
    dollars = f"${standing.monthly_allotment_cents / 100:,.2f}"
    status = standing.status.lower().replace("_", " ")
    return Effect(BENEFIT_UPDATED, f"SNAP {status}: allotment of record {dollars} a month")
