"""A conditional answer cites the rule of its own program, not another's."""

from __future__ import annotations

import pytest

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2 as hh
from services.orchestrator.domain import evidence as ev
from services.orchestrator.domain.combine import combine

ELIGIBLE = det.DETERMINATION_STATUS_ELIGIBLE


@pytest.mark.parametrize(
    ("program", "citation"),
    [
        (det.PROGRAM_MEDICAID, "42 CFR 435.952"),
        (det.PROGRAM_CHIP, "42 CFR 457.380"),
        (det.PROGRAM_MARKETPLACE, "45 CFR 155.315(f)"),
        (det.PROGRAM_SNAP, "7 CFR 273.2(f)"),
    ],
)
def test_data_matching_issue_cites_the_programs_own_rule(program: int, citation: str) -> None:
    household = hh.Household(members=[hh.Person(person_id="p", applying=True)])
    answer = det.ProgramDetermination(program=program, status=ELIGIBLE)
    hhs = [det.PersonDetermination(person_id="p", programs=[answer])]
    combined = combine(
        household,
        [program],
        {"p": ev.INCONSISTENT},
        hhs if program != det.PROGRAM_SNAP else [],
        answer if program == det.PROGRAM_SNAP else None,
    )
    out = combined.household[0] if program == det.PROGRAM_SNAP else combined.persons[0].programs[0]
    assert out.status == det.DETERMINATION_STATUS_CONDITIONAL
    (issue,) = [r for r in out.reasons if r.code == "DATA_MATCHING_ISSUE"]
    assert issue.citation.startswith(citation)


def test_a_referral_is_not_lowered_to_conditional() -> None:
    household = hh.Household(members=[hh.Person(person_id="p", applying=True)])
    referred = det.ProgramDetermination(
        program=det.PROGRAM_MEDICAID, status=det.DETERMINATION_STATUS_REFERRED
    )
    hhs = [det.PersonDetermination(person_id="p", programs=[referred])]
    combined = combine(household, [det.PROGRAM_MEDICAID], {"p": ev.INCONSISTENT}, hhs, None)
    assert combined.persons[0].programs[0].status == det.DETERMINATION_STATUS_REFERRED
