"""A pregnancy reported with the number of children expected: Medicaid counts the unborn
in the pregnant woman's own household (42 CFR 435.603(b)), so twins make a household of
three where one child makes two, and that moves her across Alabama's line."""

from __future__ import annotations

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2 as hh
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request

# Medicaid for plan year 2027, determined in November 2026, uses the 2026 poverty
# guidelines (91 FR 1797): $15,960 for one and $5,680 for each additional person, so
# $21,640 for two and $27,320 for three. Alabama covers pregnant women to 146% of the
# line (with the 5-point disregard): $31,594.40 for two, $39,887.20 for three. $35,000 a
# year is between them.
WAGES_CENTS = 3_500_000


def _application(request_id: str) -> pb.SubmitApplicationRequest:
    request = load_request(next(p for p in example_paths() if "kowalski" in p.name), request_id)
    request.household.address.CopyFrom(
        hh.Address(
            line1="710 20th St N",
            city="Birmingham",
            state_code="AL",
            county="Jefferson",
            zip_code="35203",
        )
    )
    anna = request.household.members[0]
    anna.pregnant = False
    del anna.incomes[:]
    anna.incomes.add(kind=hh.INCOME_KIND_WAGES, annual_amount_cents=WAGES_CENTS)
    return request


async def _medicaid_after_pregnancy(coordination, expected: int) -> det.ProgramDetermination:  # type: ignore[no-untyped-def]
    case = (
        await coordination.orchestrator.SubmitApplication(_application(f"anna-{expected}"))
    ).case
    reply = await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(
            request_id=f"pregnant-{expected}",
            case_id=case.case_id,
            event=le.LifeEvent(
                kind=le.LIFE_EVENT_KIND_PREGNANCY,
                effective_date=date_pb2.Date(year=2026, month=11, day=1),
                person_id="anna",
                expected_children=expected,
            ),
        )
    )
    (anna,) = reply.case.determinations
    return next(p for p in anna.programs if p.program == det.PROGRAM_MEDICAID)


async def test_twins_count_in_her_medicaid_household_and_one_child_does_not_suffice(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    one = await _medicaid_after_pregnancy(coordination, 1)
    twins = await _medicaid_after_pregnancy(coordination, 2)
    assert one.status == det.DETERMINATION_STATUS_INELIGIBLE
    assert twins.status in (
        det.DETERMINATION_STATUS_ELIGIBLE,
        det.DETERMINATION_STATUS_CONDITIONAL,
    )
    sized = [next(r for r in p.reasons if "household_size" in r.figures) for p in (one, twins)]
    assert [(r.figures["household_size"], r.figures["poverty_line_cents"]) for r in sized] == [
        ("2", "2164000"),
        ("3", "2732000"),
    ]
    assert all(r.figures["poverty_guideline_year"] == "2026" for r in sized)


def _size(medicaid: det.ProgramDetermination) -> str:
    return next(r for r in medicaid.reasons if "household_size" in r.figures).figures[
        "household_size"
    ]


async def test_a_re_application_carries_twins_forward_not_one_child(coordination) -> None:  # type: ignore[no-untyped-def]
    first_request = _application("anna-twins-first")
    first_request.programs[:] = [det.PROGRAM_MEDICAID]
    anna = first_request.household.members[0]
    anna.pregnant, anna.expected_children = True, 2
    first = (await coordination.orchestrator.SubmitApplication(first_request)).case
    # The same people again, saying only who they are: the pregnancy is to be carried.
    again = pb.SubmitApplicationRequest(
        request_id="anna-twins-again", plan_year=first_request.plan_year
    )
    again.programs.append(det.PROGRAM_MEDICAID)
    for m in first_request.household.members:
        again.household.members.add(
            person_id=m.person_id, ssn=m.ssn, applying=m.applying, reuse_known_facts=True
        )
    again.household.relationships.extend(first_request.household.relationships)
    again.household.tax_units.extend(first_request.household.tax_units)
    second = (await coordination.orchestrator.SubmitApplication(again)).case

    carried = second.household.members[0]
    assert (carried.pregnant, carried.expected_children) == (True, 2)
    medicaid = [
        next(p for p in c.determinations[0].programs if p.program == det.PROGRAM_MEDICAID)
        for c in (first, second)
    ]
    assert [_size(m) for m in medicaid] == ["3", "3"]
    assert medicaid[1].status == medicaid[0].status
