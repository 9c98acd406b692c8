"""The work rules of P.L. 119-21 through the whole stack: what a person reports about work
reaches HHS and USDA, and the answer says what keeps them eligible. Real gRPC, both databases."""

from __future__ import annotations

import grpc
import pytest

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from shared.errors import details_of


def _chen_without_income(request_id: str) -> pb.SubmitApplicationRequest:
    """Wei Chen, 30, in California in 2027, now with no income and no work reported."""
    request = load_request(next(p for p in example_paths() if "chen" in p.name), request_id)
    del request.programs[:]
    request.programs.extend([det.PROGRAM_MEDICAID, det.PROGRAM_SNAP])
    wei = request.household.members[0]
    del wei.incomes[:]
    wei.ClearField("work_activity")
    return request


def _reasons(determination: det.ProgramDetermination) -> dict[str, det.Reason]:
    return {r.code: r for r in determination.reasons}


def _medicaid(case: pb.Case) -> det.ProgramDetermination:
    return next(p for p in case.determinations[0].programs if p.program == det.PROGRAM_MEDICAID)


async def test_an_adult_without_work_or_exemption_is_told_the_80_hours_that_keep_each_program(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    case = (await coordination.orchestrator.SubmitApplication(_chen_without_income("w-1"))).case
    medicaid = _medicaid(case)
    assert medicaid.status == det.DETERMINATION_STATUS_INELIGIBLE
    engagement = _reasons(medicaid)["COMMUNITY_ENGAGEMENT_NOT_MET"]
    assert "1396a(xx)" in engagement.citation and "80 hours" in engagement.message
    snap = case.household_determinations[0]
    limit = _reasons(snap)["TIME_LIMIT_COUNTABLE_MONTH"]
    assert limit.figures["countable_months_remaining"] == "3"
    assert "2015(o)" in limit.citation and "80 hours" in limit.message


async def test_an_exemption_keeps_medicaid_and_spares_the_snap_time_limit(coordination) -> None:  # type: ignore[no-untyped-def]
    request = _chen_without_income("w-2")
    request.household.members[0].work_activity.exemptions.append(
        household_pb2.WORK_RULE_EXEMPTION_IN_TREATMENT
    )
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    medicaid = _medicaid(case)
    assert medicaid.status != det.DETERMINATION_STATUS_INELIGIBLE
    assert "COMMUNITY_ENGAGEMENT_EXEMPT" in _reasons(medicaid)
    assert "TIME_LIMIT_EXEMPT" in _reasons(case.household_determinations[0])


async def test_an_adult_out_of_countable_months_gets_no_snap(coordination) -> None:  # type: ignore[no-untyped-def]
    request = _chen_without_income("w-3")
    request.household.members[0].work_activity.snap_countable_months_used = 3
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    snap = case.household_determinations[0]
    assert snap.status == det.DETERMINATION_STATUS_INELIGIBLE
    assert "TIME_LIMIT_EXHAUSTED" in _reasons(snap)


async def test_impossible_hours_and_months_are_refused_field_by_field(coordination) -> None:  # type: ignore[no-untyped-def]
    request = _chen_without_income("w-4")
    activity = request.household.members[0].work_activity
    activity.monthly_work_hours = -5
    activity.snap_countable_months_used = 37
    request.household.members[0].ended_facts.append(household_pb2.CARRIED_FACT_UNSPECIFIED)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await coordination.orchestrator.SubmitApplication(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = {v.field for v in details_of(caught.value).violations}
    path = "household.members[0]"
    assert {
        f"{path}.work_activity.monthly_work_hours",
        f"{path}.work_activity.snap_countable_months_used",
        f"{path}.ended_facts",
    } <= fields
