"""What a change in a case means to HHS, free of gRPC and databases.

HHS runs Medicaid, CHIP and Marketplace coverage. After a change the orchestrator sends
each member's new answer for those programs; each becomes that person's enrollment of
record in the case, unless HHS already holds an answer from a newer decision of the
orchestrator's (a higher revision: shared.decision_order), whatever either's effective
date. A notice with no answer for an HHS program touches nothing HHS runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from shared.change_effect import BENEFIT_UPDATED, NO_ACTION, Effect, people
from shared.decision_order import DecisionOrder, supersedes

PROGRAMS = ("MEDICAID", "CHIP", "MARKETPLACE")
_NAMES = {"MEDICAID": "Medicaid", "CHIP": "CHIP", "MARKETPLACE": "Marketplace"}


@dataclass(frozen=True)
class ProgramStanding:
    person_id: str
    program: str  # a Program name without its prefix
    status: str  # a DeterminationStatus name without its prefix
    monthly_benefit_cents: int
    csr_level: str


def hhs_standings(answers: Sequence[ProgramStanding]) -> list[ProgramStanding]:
    """The answers for HHS's programs, the last one for a person and program winning."""
    kept = {(a.person_id, a.program): a for a in answers if a.program in PROGRAMS}
    return list(kept.values())


def is_newer(held: DecisionOrder | None, incoming: DecisionOrder) -> bool:
    """A notice's answer replaces what is held unless what is held is from a newer decision."""
    return supersedes(incoming, held)


def effect_for(standings: Sequence[ProgramStanding], applied: int) -> Effect:
    if not standings:
        return Effect(NO_ACTION, "the notice carries no Medicaid, CHIP or Marketplace answer")
    if not applied:
        return Effect(NO_ACTION, "HHS already holds answers from a newer decision for this case")
    counts = Counter((s.program, s.status) for s in standings)
    parts = [
        f"{_NAMES[program]} {status.lower().replace('_', ' ')} for {people(n)}"
        for (program, status), n in sorted(counts.items())
    ]
    return Effect(BENEFIT_UPDATED, "enrollment of record updated: " + "; ".join(parts))
