"""A state code in lower case is the same state: accepted, stored and sent in upper case."""

from __future__ import annotations

import grpc
import pytest

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from shared.errors import details_of


def _rivera(request_id: str, state: str) -> pb.SubmitApplicationRequest:
    request = load_request(next(p for p in example_paths() if "rivera" in p.name), request_id)
    request.household.address.state_code = state
    return request


async def test_a_lower_case_state_is_accepted_and_stored_upper_case(coordination) -> None:  # type: ignore[no-untyped-def]
    reply = await coordination.orchestrator.SubmitApplication(_rivera("state-lower-1", "tx"))
    assert reply.case.household.address.state_code == "TX"
    (hhs_request,) = coordination.recorders["hhs"].of("DetermineEligibility")
    assert hhs_request.state_code == "TX"
    again = await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=reply.case.case_id))
    assert again.case.household.address.state_code == "TX"
    # A retry spelling it the other way is the same application, not a reused request_id.
    retried = await coordination.orchestrator.SubmitApplication(_rivera("state-lower-1", "TX"))
    assert retried.case.case_id == reply.case.case_id


async def test_a_lower_case_code_of_no_state_is_still_refused(coordination) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await coordination.orchestrator.SubmitApplication(_rivera("state-lower-2", "qq"))
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in details.violations] == ["household.address.state_code"]
    assert "'QQ'" in details.violations[0].description
