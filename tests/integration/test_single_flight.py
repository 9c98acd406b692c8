"""Copies of one request_id arriving together: the agencies are asked once and every
copy answers the same case, in one orchestrator and across two sharing a database; the
request_id is its caller's own, so two callers' copies make a case each."""

from __future__ import annotations

import asyncio

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.harness.households import example_paths, load_request
from services.orchestrator import server as orchestrator_server

COPIES = 10
AGENCY_METHODS = {
    "ssa": "VerifyIdentity",
    "treasury": "VerifyHouseholdIncome",
    "hhs": "DetermineEligibility",
    "usda": "DetermineSnapEligibility",
}


def _rivera(request_id: str) -> pb.SubmitApplicationRequest:
    return load_request(next(p for p in example_paths() if "rivera" in p.name), request_id)


def _calls(coordination) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {a: coordination.recorders[a].calls[m] for a, m in AGENCY_METHODS.items()}


async def _stored_cases(coordination) -> list[str]:  # type: ignore[no-untyped-def]
    listed = await coordination.orchestrator.ListCases(pb.ListCasesRequest())
    return [c.case_id for c in listed.cases]


async def test_ten_concurrent_copies_ask_each_agency_once_and_answer_one_case(coordination) -> None:  # type: ignore[no-untyped-def]
    request = _rivera("rivera-together")
    replies = await asyncio.gather(
        *(coordination.orchestrator.SubmitApplication(request) for _ in range(COPIES))
    )
    case_ids = {reply.case.case_id for reply in replies}
    assert len(case_ids) == 1
    assert _calls(coordination) == dict.fromkeys(AGENCY_METHODS, 1)
    assert await _stored_cases(coordination) == list(case_ids)
    # Every copy got the whole case, not just its id.
    assert all(reply.case == replies[0].case for reply in replies)


async def test_copies_split_across_two_replicas_store_one_case_per_caller(
    coordination, serve, clock
) -> None:  # type: ignore[no-untyped-def]
    """Two caseworkers send copies of one request_id at once, each to both replicas: each
    gets one case of their own (the database's unique (opener, request_id) decides the
    races), and neither is refused or answered with the other's."""
    replica = await serve(
        orchestrator_server.bindings(
            coordination.orchestrator_db,
            coordination.gateway,
            clock,
            coordination.keys.signer(),
            coordination.keys.subject_key(),
        )
    )
    request = _rivera("rivera-two-replicas")
    callers = ("cw-ana", "cw-ben")
    channels = [replica.channel(caseworker=c, role="caseworker") for c in callers]
    try:
        stubs = [
            (stub, caller)
            for caller, channel in zip(callers, channels, strict=True)
            for stub in (coordination.stub_as(caller), pb_grpc.CoordinationServiceStub(channel))
        ]
        replies = await asyncio.gather(
            *(stubs[n % len(stubs)][0].SubmitApplication(request) for n in range(COPIES * 2))
        )
    finally:
        for channel in channels:
            await channel.close()
    by_caller: dict[str, set[str]] = {caller: set() for caller in callers}
    for n, reply in enumerate(replies):
        by_caller[stubs[n % len(stubs)][1]].add(reply.case.case_id)
    assert all(len(ids) == 1 for ids in by_caller.values()), by_caller
    case_ids = set().union(*by_caller.values())
    assert len(case_ids) == len(callers)
    supervisor = coordination.stub_as("sv-1", "supervisor")
    listed = (await supervisor.ListCases(pb.ListCasesRequest())).cases
    assert {c.case_id for c in listed} == case_ids
    # One flight per caller per replica at most; whichever lost a race answered the winner's.
    assert all(2 <= n <= 4 for n in _calls(coordination).values())
    verified = await coordination.stub_as("au-1", "auditor").VerifyAuditLog(
        pb.VerifyAuditLogRequest()
    )
    assert verified.ok
