"""A conditional SNAP answer cites SNAP's own rules, never a Marketplace rule."""

from __future__ import annotations

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from services.orchestrator import evidence as ev
from services.orchestrator.combine import combine


def _household() -> household_pb2.Household:
    return household_pb2.Household(members=[household_pb2.Person(person_id="p1", applying=True)])


def _eligible(program: int) -> det.ProgramDetermination:
    return det.ProgramDetermination(program=program, status=det.DETERMINATION_STATUS_ELIGIBLE)


def test_conditional_snap_answer_cites_snap_verification_rules() -> None:
    combined = combine(
        _household(), [det.PROGRAM_SNAP], {"p1": ev.INCONSISTENT}, None, _eligible(det.PROGRAM_SNAP)
    )
    (snap,) = combined.household
    assert snap.status == det.DETERMINATION_STATUS_CONDITIONAL
    issue = next(r for r in snap.reasons if r.code == "DATA_MATCHING_ISSUE")
    assert issue.citation.startswith("7 CFR 273.2(f)")
    assert "45 CFR" not in issue.citation


def test_conditional_marketplace_answer_keeps_the_aca_inconsistency_rule() -> None:
    hhs = [det.PersonDetermination(person_id="p1", programs=[_eligible(det.PROGRAM_MARKETPLACE)])]
    combined = combine(_household(), [det.PROGRAM_MARKETPLACE], {"p1": ev.NO_RECORD}, hhs, None)
    (marketplace,) = combined.persons[0].programs
    issue = next(r for r in marketplace.reasons if r.code == "DATA_MATCHING_ISSUE")
    assert issue.citation == "45 CFR 155.315(f)"
