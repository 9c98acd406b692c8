"""Per-caller call limits and the bounded audit of refusals, over real gRPC servers with
mutual TLS: what a caller flooding a service meets, and what the service writes for it.

Time is a monotonic clock that moves only when told, so no test sleeps or times anything.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from eligibility.orchestrator.v1 import coordination_pb2 as opb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as opb_grpc
from eligibility.usda.v1 import snap_eligibility_pb2 as upb
from eligibility.usda.v1 import snap_eligibility_pb2_grpc as upb_grpc
from services.cli.tool_identity import LocalTool
from services.orchestrator.server import ACCESS_POLICY, SERVICE_NAME
from shared.access_audit import ACCESS, SUMMARY, refused_calls_in
from shared.errors import details_of
from shared.rate_limit import RATE_LIMITED, Allowance, CallLimits
from shared.server import ServiceBinding
from shared.tls import CASEWORKER_TOOL, MTLS
from tests.integration.conftest import usda_bindings_at

ROOMY = Allowance(1000.0, 1000)
RESOURCE_EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.at = 100.0

    def __call__(self) -> float:
        return self.at


async def _ask_usda(handle, identity: str) -> grpc.aio.AioRpcError | None:  # type: ignore[no-untyped-def]
    """One SNAP call as ``identity``; the error it met, or None when it was answered."""
    async with handle.channel(as_identity=identity) as channel:
        try:
            await upb_grpc.SnapEligibilityServiceStub(channel).DetermineSnapEligibility(
                upb.DetermineSnapEligibilityRequest(), timeout=10
            )
        except grpc.aio.AioRpcError as error:
            return error
    return None


def _code(error: grpc.aio.AioRpcError | None) -> grpc.StatusCode:
    return grpc.StatusCode.OK if error is None else error.code()


async def test_a_caller_over_its_limit_is_told_how_long_to_wait_and_no_one_else_is(
    serve, tmp_path, clock
) -> None:  # type: ignore[no-untyped-def]
    ticks = Ticks()
    usda = await serve(
        usda_bindings_at(tmp_path, clock),
        limits=CallLimits(everyone=ROOMY, services=Allowance(2.0, 3), clock=ticks),
        monotonic=ticks,
    )
    # The orchestrator's burst is let in (its empty request then fails on its own merits).
    first = [_code(await _ask_usda(usda, "orchestrator")) for _ in range(3)]
    assert grpc.StatusCode.RESOURCE_EXHAUSTED not in first

    limited = await _ask_usda(usda, "orchestrator")
    assert limited is not None and limited.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert details_of(limited).reason == RATE_LIMITED
    assert details_of(limited).retry_delay == dt.timedelta(seconds=0.5)
    status = rpc_status.from_call(limited)
    quota = error_details_pb2.QuotaFailure()
    assert [d.Unpack(quota) for d in status.details if d.Is(quota.DESCRIPTOR)] == [True]
    assert [v.subject for v in quota.violations] == ["caller:orchestrator"]

    # Another caller has a bucket of its own: hhs meets the policy, not the limit.
    assert _code(await _ask_usda(usda, "hhs")) == grpc.StatusCode.PERMISSION_DENIED
    # Health is never limited, so a probe still hears the truth.
    async with usda.channel(as_identity="orchestrator") as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    assert health.status == health_pb2.HealthCheckResponse.SERVING

    # Waiting as told is enough.
    ticks.at += 0.5
    assert _code(await _ask_usda(usda, "orchestrator")) == first[0]
    assert _code(await _ask_usda(usda, "orchestrator")) == grpc.StatusCode.RESOURCE_EXHAUSTED
    audited = [(e.actor_service, e.detail) for e in usda.refusals()]
    assert audited == [
        ("orchestrator", RATE_LIMITED),
        ("hhs", "CALLER_NOT_ALLOWED"),
        ("orchestrator", RATE_LIMITED),
    ]


def _coordination_with_no_use_cases() -> list[ServiceBinding]:
    """The orchestrator's service and access policy over the generated base servicer:
    a call the gate lets in answers UNIMPLEMENTED."""
    return [
        ServiceBinding(
            SERVICE_NAME,
            opb_grpc.add_CoordinationServiceServicer_to_server,
            opb_grpc.CoordinationServiceServicer(),
            ACCESS_POLICY,
        )
    ]


async def test_each_caseworker_at_one_tool_has_a_limit_of_their_own(serve) -> None:  # type: ignore[no-untyped-def]
    ticks = Ticks()
    orchestrator = await serve(
        _coordination_with_no_use_cases(),
        limits=CallLimits(everyone=Allowance(1.0, 2), services=ROOMY, clock=ticks),
        monotonic=ticks,
    )

    async def list_cases(caseworker: str | None) -> grpc.StatusCode:
        tool = LocalTool(orchestrator.credentials, MTLS, CASEWORKER_TOOL)
        role = "caseworker" if caseworker else None
        async with tool.channel(orchestrator.target, caseworker, role) as channel:
            try:
                await opb_grpc.CoordinationServiceStub(channel).ListCases(
                    opb.ListCasesRequest(), timeout=10
                )
            except grpc.aio.AioRpcError as error:
                return error.code()
        return grpc.StatusCode.OK

    let_in = grpc.StatusCode.UNIMPLEMENTED
    assert [await list_cases("cw-a") for _ in range(3)] == [let_in, let_in, RESOURCE_EXHAUSTED]
    # The same certificate, another person's token: their own bucket.
    assert [await list_cases("cw-b") for _ in range(2)] == [let_in, let_in]
    # No token: the certificate's bucket, not cw-a's; the policy refuses it.
    assert await list_cases(None) == grpc.StatusCode.UNAUTHENTICATED
    audited = [(e.actor_service, e.actor_caseworker, e.detail) for e in orchestrator.refusals()]
    assert audited == [
        (CASEWORKER_TOOL, "cw-a", RATE_LIMITED),
        (CASEWORKER_TOOL, "", "TOKEN_MISSING"),
    ]


async def test_a_flood_of_refused_calls_writes_a_bounded_number_of_entries_and_counts_the_rest(
    serve, tmp_path: Path, clock, database_url
) -> None:  # type: ignore[no-untyped-def]
    ticks = Ticks()
    usda = await serve(
        usda_bindings_at(tmp_path, clock),
        audit_url=database_url,
        limits=CallLimits(everyone=ROOMY, services=ROOMY, clock=ticks),
        refusals_per_window=5,
        refusal_window_seconds=60.0,
        monotonic=ticks,
    )
    flood = 40
    async with usda.channel(as_identity="hhs") as channel:
        stub = upb_grpc.SnapEligibilityServiceStub(channel)
        for _ in range(flood):
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.DetermineSnapEligibility(upb.DetermineSnapEligibilityRequest())
            assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # While the window is open: the first five only.
    assert [e.detail for e in usda.refusals()] == ["CALLER_NOT_ALLOWED"] * 5

    # The window closes: the next refusal writes the summary, then itself in a new window.
    ticks.at += 60.0
    assert _code(await _ask_usda(usda, "hhs")) == grpc.StatusCode.PERMISSION_DENIED
    entries = usda.refusals()
    assert len(entries) == 7
    summary = entries[5]
    assert summary.detail.startswith(f"{SUMMARY} {flood - 5} refused calls ")
    assert "CALLER_NOT_ALLOWED 35" in summary.detail
    assert (summary.actor_service, summary.outcome) == ("hhs", "REFUSED")
    assert summary.fact_names() == [
        "/eligibility.usda.v1.SnapEligibilityService/DetermineSnapEligibility"
    ]
    assert refused_calls_in(entries) == flood + 1
    with usda.audit.session() as session:
        assert ACCESS.verify(session).ok


async def test_calls_held_back_by_the_limit_are_audited_in_the_same_bounded_way(
    serve, tmp_path: Path, clock
) -> None:  # type: ignore[no-untyped-def]
    ticks = Ticks()
    usda = await serve(
        usda_bindings_at(tmp_path, clock),
        limits=CallLimits(everyone=ROOMY, services=Allowance(1.0, 1), clock=ticks),
        refusals_per_window=3,
        monotonic=ticks,
    )
    codes = [_code(await _ask_usda(usda, "orchestrator")) for _ in range(30)]
    assert codes.count(RESOURCE_EXHAUSTED) == 29
    assert len(usda.refusals()) == 3
    # The process stops: what was counted is written.
    await usda.refusal_windows.close()
    entries = usda.refusals()
    assert len(entries) == 4
    assert entries[-1].detail.startswith(f"{SUMMARY} 26 refused calls ")
    assert f"{RATE_LIMITED} 26" in entries[-1].detail
    assert refused_calls_in(entries) == 29
