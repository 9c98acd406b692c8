"""SNAP for Alaska and Hawaii through the whole stack: the orchestrator passes the
address's allotment area, utility region and county to USDA, and the answer says which
area was used; nothing is refused for missing figures."""

from __future__ import annotations

import grpc
import pytest

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from shared.errors import details_of


def _moved(state: str, county: str, request_id: str) -> pb.SubmitApplicationRequest:
    request = load_request(next(p for p in example_paths() if "rivera" in p.name), request_id)
    del request.programs[:]
    request.programs.append(det.PROGRAM_SNAP)
    request.household.address.state_code = state
    request.household.address.county = county
    return request


def _snap(reply: pb.SubmitApplicationResponse) -> det.ProgramDetermination:
    return next(d for d in reply.case.household_determinations if d.program == det.PROGRAM_SNAP)


async def test_an_alaska_household_is_answered_with_its_allotment_area(coordination) -> None:  # type: ignore[no-untyped-def]
    request = _moved("AK", "Bethel", "rivera-ak")
    address = request.household.address
    address.alaska_allotment_area = household_pb2.ALASKA_ALLOTMENT_AREA_RURAL_2
    address.snap_utility_region = "AK_SW"
    snap = _snap(await coordination.orchestrator.SubmitApplication(request))
    codes = [r.code for r in snap.reasons]
    assert snap.status != det.DETERMINATION_STATUS_PENDING_VERIFICATION
    area = next(r for r in snap.reasons if r.code == "ALASKA_ALLOTMENT_AREA")
    assert area.figures["alaska_allotment_area"] == "rural_2"
    shelter = next(r for r in snap.reasons if r.code == "EXCESS_SHELTER_DEDUCTION")
    assert "utility region AK_SW, as given" in shelter.message
    assert "AGENCY_REFUSED" not in codes


async def test_a_hawaii_household_is_answered_not_refused(coordination) -> None:  # type: ignore[no-untyped-def]
    snap = _snap(
        await coordination.orchestrator.SubmitApplication(_moved("HI", "Honolulu", "r-hi"))
    )
    assert snap.status != det.DETERMINATION_STATUS_PENDING_VERIFICATION
    assert "AGENCY_REFUSED" not in [r.code for r in snap.reasons]


async def test_a_new_york_county_chooses_the_utility_region(coordination) -> None:  # type: ignore[no-untyped-def]
    snap = _snap(await coordination.orchestrator.SubmitApplication(_moved("NY", "Nassau", "r-ny")))
    shelter = next(r for r in snap.reasons if r.code == "EXCESS_SHELTER_DEDUCTION")
    assert "NY_NAS, from the county, Nassau" in shelter.message


async def test_an_allotment_area_or_utility_region_outside_the_state_is_refused_at_intake(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    request = _moved("TX", "Harris", "r-tx-bad")
    request.household.address.alaska_allotment_area = household_pb2.ALASKA_ALLOTMENT_AREA_URBAN
    request.household.address.snap_utility_region = "AK_SW"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await coordination.orchestrator.SubmitApplication(request)
    details = details_of(raised.value)
    assert details.code is grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in details.violations} == {
        "household.address.alaska_allotment_area",
        "household.address.snap_utility_region",
    }
