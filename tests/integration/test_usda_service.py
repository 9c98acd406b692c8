"""The USDA SNAP service over real gRPC on an ephemeral port."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2 as hh
from eligibility.usda.v1 import snap_eligibility_pb2 as pb
from eligibility.usda.v1 import snap_eligibility_pb2_grpc as pb_grpc
from services.usda.server import SERVICE_NAME
from shared.errors import details_of
from tests.integration.conftest import usda_bindings_at

NOVEMBER_2026 = date_pb2.Date(year=2026, month=11, day=1)


@pytest.fixture
async def usda_handle(serve, clock, tmp_path):  # type: ignore[no-untyped-def]
    return await serve(usda_bindings_at(tmp_path, clock))


@pytest.fixture
async def usda(usda_handle):  # type: ignore[no-untyped-def]
    async with usda_handle.channel() as channel:
        yield pb_grpc.SnapEligibilityServiceStub(channel)


async def test_usda_elderly_couple_example_is_answered_with_reasons(usda) -> None:  # type: ignore[no-untyped-def]
    reply = await usda.DetermineSnapEligibility(
        pb.DetermineSnapEligibilityRequest(
            benefit_month=NOVEMBER_2026,
            state_code="MO",
            members=[
                pb.SnapMember(person_id="a", age=68, monthly_unearned_income_cents=60_000),
                pb.SnapMember(person_id="b", age=70, monthly_unearned_income_cents=60_000),
            ],
            monthly_shelter_cents=60_000,
            monthly_medical_cents=33_500,
        )
    )
    determination = reply.determination
    assert determination.program == det.PROGRAM_SNAP
    assert determination.status == det.DETERMINATION_STATUS_ELIGIBLE
    assert determination.monthly_benefit_cents == 43_400
    assert (reply.fiscal_year, reply.household_size) == (2027, 2)
    assert (reply.gross_monthly_income_cents, reply.net_monthly_income_cents) == (120_000, 42_450)
    allotment = next(r for r in determination.reasons if r.code == "ALLOTMENT_COMPUTED")
    assert allotment.figures["max_allotment_cents"] == "56200"
    assert "7 CFR 273.10(e)(2)(ii)(A)" in allotment.citation
    assert "Fiscal Year 2027" in allotment.citation


async def test_an_ineligible_household_gets_no_benefit(usda) -> None:  # type: ignore[no-untyped-def]
    reply = await usda.DetermineSnapEligibility(
        pb.DetermineSnapEligibilityRequest(
            benefit_month=NOVEMBER_2026,
            state_code="TN",
            members=[pb.SnapMember(person_id="a", age=40, monthly_earned_income_cents=900_000)],
        )
    )
    assert reply.determination.status == det.DETERMINATION_STATUS_INELIGIBLE
    assert reply.determination.monthly_benefit_cents == 0
    assert "GROSS_INCOME_ABOVE_LIMIT" in [r.code for r in reply.determination.reasons]


async def test_bad_request_is_refused_with_one_violation_per_problem(usda) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await usda.DetermineSnapEligibility(
            pb.DetermineSnapEligibilityRequest(
                benefit_month=date_pb2.Date(year=2027, month=2, day=30),
                state_code="PR",
                members=[pb.SnapMember(person_id="a", monthly_earned_income_cents=-1)],
            )
        )
    details = details_of(raised.value)
    assert details.code is grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(v.field for v in details.violations) == [
        "benefit_month",
        "members[0].monthly_earned_income_cents",
        "state_code",
    ]


async def test_alaska_fy2027_is_answered_with_the_allotment_area_used(usda) -> None:  # type: ignore[no-untyped-def]
    reply = await usda.DetermineSnapEligibility(
        pb.DetermineSnapEligibilityRequest(
            benefit_month=NOVEMBER_2026,
            state_code="AK",
            members=[pb.SnapMember(person_id="a", age=30)],
            alaska_allotment_area=hh.ALASKA_ALLOTMENT_AREA_RURAL_2,
        )
    )
    assert reply.alaska_allotment_area == hh.ALASKA_ALLOTMENT_AREA_RURAL_2
    # FNS FY2027 Alaska Rural 2 maximum for one person, $608; no income, so all of it.
    assert reply.determination.monthly_benefit_cents == 60_800
    assert "ALASKA_ALLOTMENT_AREA" in [r.code for r in reply.determination.reasons]


async def test_a_utility_region_of_another_state_is_invalid_argument(usda) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await usda.DetermineSnapEligibility(
            pb.DetermineSnapEligibilityRequest(
                benefit_month=NOVEMBER_2026,
                state_code="TX",
                members=[pb.SnapMember(person_id="a", age=30)],
                utility_region="AK_NW",
                alaska_allotment_area=hh.ALASKA_ALLOTMENT_AREA_URBAN,
            )
        )
    details = details_of(raised.value)
    assert details.code is grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(v.field for v in details.violations) == [
        "alaska_allotment_area",
        "utility_region",
    ]


async def test_health_and_reflection_name_the_service(usda_handle) -> None:  # type: ignore[no-untyped-def]
    async with usda_handle.channel() as channel:
        health = health_pb2_grpc.HealthStub(channel)
        reply = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE_NAME))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        responses = stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
        names = []
        async for response in responses:
            names = [s.name for s in response.list_services_response.service]
    assert SERVICE_NAME == "eligibility.usda.v1.SnapEligibilityService"
    assert SERVICE_NAME in names
