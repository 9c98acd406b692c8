"""The agency gateway's circuit breaker against a real agency server that goes away
and comes back on the same port."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from services.orchestrator.adapters import agency_requests
from services.orchestrator.adapters.agencies import CIRCUIT_OPEN, AgencyGateway, SourceUnavailable
from shared.breaker import State
from shared.context import purpose
from shared.purposes import DETERMINATION
from shared.tls import DevCertificates
from tests.integration.conftest import Recorder, usda_bindings_at

THRESHOLD = 3
COOLDOWN = 30.0
RPC = "DetermineSnapEligibility"


class Ticks:
    """The breaker's monotonic clock, moved by the test instead of by waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def snap_request():  # type: ignore[no-untyped-def]
    rivera = next(p for p in example_paths() if "rivera" in p.name)
    household = load_request(rivera).household
    return agency_requests.snap_request(household, dt.date(2026, 11, 1))


async def _code_of(gateway: AgencyGateway, request) -> str:  # type: ignore[no-untyped-def]
    try:
        await gateway.determine_snap(request, 2.0)
    except SourceUnavailable as error:
        return error.code
    return "OK"


async def test_a_stopped_agency_is_not_called_during_the_cooldown_and_is_again_after_it(
    serve, clock, snap_request, credentials, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    purpose.set(DETERMINATION)  # what the orchestrator tells USDA, as when serving a case
    bindings = usda_bindings_at(tmp_path, clock)
    before = Recorder()
    usda = await serve(bindings, before)
    ticks = Ticks()
    # Only USDA is called here; the other targets are never dialled.
    gateway = AgencyGateway(
        {
            "treasury": "127.0.0.1:9",
            "ssa": "127.0.0.1:9",
            "hhs": "127.0.0.1:9",
            "usda": usda.target,
        },
        default_budget=2.0,
        tls=DevCertificates.in_data_dir(credentials).files("orchestrator"),
        breaker_threshold=THRESHOLD,
        breaker_cooldown=COOLDOWN,
        monotonic=ticks,
    )
    try:
        assert await _code_of(gateway, snap_request) == "OK"
        await usda.stop()

        # THRESHOLD calls find it down (each after its retries); then the breaker opens
        # and the next call fails at once, as source-unavailable, without being sent.
        assert [await _code_of(gateway, snap_request) for _ in range(THRESHOLD)] == [
            "UNAVAILABLE"
        ] * THRESHOLD
        assert gateway.breakers["usda"].state is State.OPEN
        assert await _code_of(gateway, snap_request) == CIRCUIT_OPEN

        # It comes back on the same port; within the cool-down it is still left alone.
        after = Recorder()
        await serve(bindings, after, port=usda.port)
        ticks.now += COOLDOWN - 1
        assert [await _code_of(gateway, snap_request) for _ in range(3)] == [CIRCUIT_OPEN] * 3
        assert after.calls[RPC] == 0

        # Past the cool-down one probe goes out. The channel may still be in its reconnect
        # back-off, so a probe can fail and re-open the breaker: each round moves the
        # clock past another cool-down, and gives the channel a moment to reconnect.
        for _ in range(20):
            ticks.now += COOLDOWN
            if await _code_of(gateway, snap_request) == "OK":
                break
            await asyncio.sleep(0.25)
        assert gateway.breakers["usda"].state is State.CLOSED
        probes = after.calls[RPC]
        assert probes >= 1
        # Closed again: calls go straight through without the clock moving.
        assert [await _code_of(gateway, snap_request) for _ in range(2)] == ["OK", "OK"]
        assert after.calls[RPC] == probes + 2
        assert before.calls[RPC] == 1
    finally:
        await gateway.close()


async def test_an_open_circuit_leaves_the_case_pending_and_records_that_nothing_was_sent(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    await coordination.agencies["treasury"].stop()
    chen = next(p for p in example_paths() if "chen" in p.name)
    threshold = coordination.gateway.breakers["treasury"].threshold
    for n in range(threshold):
        await coordination.orchestrator.SubmitApplication(load_request(chen, f"chen-down-{n}"))
    assert coordination.gateway.breakers["treasury"].state is State.OPEN

    case = (
        await coordination.orchestrator.SubmitApplication(load_request(chen, "chen-fail-fast"))
    ).case
    assert case.status == pb.CASE_STATUS_PENDING_VERIFICATION
    (issue,) = [
        i for i in case.data_matching_issues if i.reason_code == "INCOME_SOURCE_UNAVAILABLE"
    ]
    assert CIRCUIT_OPEN in issue.message
    report = await coordination.orchestrator.GetDisclosureReport(
        pb.GetDisclosureReportRequest(ssn="523110042")
    )
    this_case = [
        (d.outcome, d.detail)
        for d in report.disclosures
        if d.case_id == case.case_id and d.actor_service == "treasury"
    ]
    assert this_case == [("FAILED", CIRCUIT_OPEN)], "no REQUESTED: nothing was sent"
