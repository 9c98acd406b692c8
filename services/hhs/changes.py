"""What a change in a case means to HHS, free of gRPC and databases.

HHS runs Medicaid, CHIP and Marketplace coverage. After a change the orchestrator sends
each member's new answer for those programs; each becomes that person's enrollment of
record in the case, unless HHS already holds an answer from a newer decision of the
orchestrator's (a higher revision: shared.decision_order), whatever either's effective
date. A notice with no answer for an HHS program touches nothing HHS runs.

A decision that leaves a member out of the case (a death, a departure) names them
(``left_person_ids``), and their enrollments end on its effective date: each is kept with
the standing it had, marked ended, since an agency keeps its history. From then on the
decision that ended it is what a later notice must be newer than, so an older decision
delivered late does not enrol the person again; a newer one that answers for them (they
came back) starts their standing afresh. An answer for a member left out in the same
notice (a closed case sends its ended answers too) does not replace what is held: that
ends; only where HHS held nothing for them is the answer kept, as their record, ended.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Sequence
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


def held_order(
    revision: int, effective_date: dt.date, ended_revision: int, ended_on: dt.date | None
) -> DecisionOrder:
    """The decision a held enrollment stands on: the one that ended it, once one did."""
    if ended_on is not None:
        return DecisionOrder(ended_revision, ended_on)
    return DecisionOrder(revision, effective_date)


@dataclass(frozen=True)
class Ended:
    person_id: str
    program: str


def effect_for(
    standings: Sequence[ProgramStanding],
    applied: int,
    ended: Sequence[Ended] = (),
    left: Collection[str] = (),
) -> Effect:
    if not standings and not left:
        return Effect(NO_ACTION, "the notice carries no Medicaid, CHIP or Marketplace answer")
    if not applied and not ended:
        if standings:
            return Effect(
                NO_ACTION, "HHS already holds answers from a newer decision for this case"
            )
        return Effect(NO_ACTION, "HHS holds no enrollment older than this decision to end")
    parts = []
    if applied:
        counts = Counter((s.program, s.status) for s in standings)
        parts = [
            f"{_NAMES[program]} {status.lower().replace('_', ' ')} for {people(n)}"
            for (program, status), n in sorted(counts.items())
        ]
    if ended:
        by_program = Counter(e.program for e in ended)
        parts += [
            f"{_NAMES[program]} ended for {people(n)} left out of the case"
            for program, n in sorted(by_program.items())
        ]
    return Effect(BENEFIT_UPDATED, "enrollment of record updated: " + "; ".join(parts))
