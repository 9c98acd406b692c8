"""WatchCase follows a case: its events in order with the case or the agency's answer
attached, resumable from any sequence without repeats or gaps, new events as they
happen; only for those who may read the case, and a few watches per caller."""

from __future__ import annotations

import grpc
import pytest

from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.usecases.dispatch import Dispatcher
from tests.integration.notices import (
    deliver_applications,
    dispatch_all,
    enqueue,
    every_agency,
    open_case,
)
from tests.integration.notices import dispatcher as notice_dispatcher

DETERMINING = {pb.CASE_EVENT_KIND_APPLIED, pb.CASE_EVENT_KIND_RENEWED}


def _dispatcher(coordination, clock) -> Dispatcher:  # type: ignore[no-untyped-def]
    return notice_dispatcher(coordination, clock)


async def _read(stub, case_id: str, after: int, count: int) -> list[pb.WatchCaseResponse]:  # type: ignore[no-untyped-def]
    call = stub.WatchCase(pb.WatchCaseRequest(case_id=case_id, after_sequence=after), timeout=30)
    try:
        return [await call.read() for _ in range(count)]
    finally:
        call.cancel()


async def _history(coordination, case_id: str) -> list[pb.CaseEvent]:  # type: ignore[no-untyped-def]
    reply = await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case_id))
    return list(reply.case.history)


async def test_a_watch_sends_every_event_in_order_and_resumes_without_repeats_or_gaps(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    stub = coordination.orchestrator
    case, members = await open_case(stub, "rivera", "rivera")
    await stub.RenewCase(
        pb.RenewCaseRequest(request_id="renew-1", case_id=case.case_id, plan_year=2027)
    )
    enqueue(coordination.orchestrator_db, every_agency(case, members, ["change-1"]), clock.now())
    await dispatch_all(_dispatcher(coordination, clock))
    # The application's notices (HHS, USDA), the renewal's and the change's, each answered.
    notes = (
        await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))
    ).case.notifications
    assert [n.kind for n in notes[:2]] == [le.LIFE_EVENT_KIND_APPLIED] * 2 and len(notes) >= 6
    assert {n.state for n in notes} == {pb.NOTIFICATION_STATE_ACKNOWLEDGED}
    history = await _history(coordination, case.case_id)
    assert len(history) == 2 + len(notes)  # applied, renewed, then one answer per notice

    updates = await _read(stub, case.case_id, 0, len(history))
    assert [u.sequence for u in updates] == [e.sequence for e in history]
    assert [u.event for u in updates] == history
    for update in updates:
        if update.event.kind in DETERMINING:
            assert update.case.case_id == case.case_id and update.case.plan_year == 2027
            assert not update.HasField("notification")
        else:
            assert update.event.kind == pb.CASE_EVENT_KIND_ACKNOWLEDGED
            assert update.notification.state == pb.NOTIFICATION_STATE_ACKNOWLEDGED
            assert update.notification.acknowledgement.agency == update.notification.agency
            assert not update.HasField("case")

    resumed = await _read(stub, case.case_id, history[1].sequence, len(history) - 2)
    assert [u.sequence for u in resumed] == [e.sequence for e in history[2:]]


async def test_a_watch_sees_an_acknowledgement_as_it_happens(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    stub = coordination.orchestrator
    case, members = await open_case(stub, "chen", "chen")
    # The application's own notices (to HHS and USDA) answered first.
    assert await deliver_applications(coordination, clock) == 2
    applied, *told = await _history(coordination, case.case_id)
    assert applied.kind == pb.CASE_EVENT_KIND_APPLIED and len(told) == 2
    call = stub.WatchCase(
        pb.WatchCaseRequest(case_id=case.case_id, after_sequence=told[-1].sequence), timeout=30
    )
    try:
        notices = every_agency(case, members, ["change-1"])[:1]
        enqueue(coordination.orchestrator_db, notices, clock.now())
        assert (await _dispatcher(coordination, clock).run_once()).acknowledged == 1
        update = await call.read()
    finally:
        call.cancel()
    assert update.sequence > told[-1].sequence
    assert update.event.kind == pb.CASE_EVENT_KIND_ACKNOWLEDGED
    assert update.notification.idempotency_key == notices[0][1].idempotency_key


async def _code(stub, case_id: str, after: int = 0) -> grpc.StatusCode:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await _read(stub, case_id, after, 1)
    return raised.value.code()


async def test_a_watch_is_for_those_who_may_read_the_case_and_a_few_per_caller(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    stub = coordination.orchestrator
    case, _ = await open_case(stub, "chen", "chen")
    other = coordination.stub_as("cw-other")
    assert await _code(other, case.case_id) == grpc.StatusCode.PERMISSION_DENIED
    supervisor = coordination.stub_as("sup-1", "supervisor")
    (first,) = await _read(supervisor, case.case_id, 0, 1)
    assert first.event.kind == pb.CASE_EVENT_KIND_APPLIED
    assert await _code(supervisor, "0" * 32) == grpc.StatusCode.NOT_FOUND
    assert await _code(stub, "0" * 32) == grpc.StatusCode.PERMISSION_DENIED
    assert await _code(stub, case.case_id, -1) == grpc.StatusCode.INVALID_ARGUMENT
    assert await _code(stub, "") == grpc.StatusCode.INVALID_ARGUMENT

    request = pb.WatchCaseRequest(case_id=case.case_id)
    calls = [stub.WatchCase(request, timeout=30) for _ in range(8)]
    try:
        for call in calls:
            await call.read()  # each is being served
        assert await _code(stub, case.case_id) == grpc.StatusCode.RESOURCE_EXHAUSTED
        # Another caller is not held back by this one.
        (first,) = await _read(supervisor, case.case_id, 0, 1)
        assert first.event.kind == pb.CASE_EVENT_KIND_APPLIED
    finally:
        for call in calls:
            call.cancel()


async def test_a_watch_ends_cleanly_when_the_server_stops(coordination) -> None:  # type: ignore[no-untyped-def]
    stub = coordination.orchestrator
    case, _ = await open_case(stub, "chen", "chen")
    call = stub.WatchCase(pb.WatchCaseRequest(case_id=case.case_id), timeout=30)
    assert (await call.read()).event.kind == pb.CASE_EVENT_KIND_APPLIED
    coordination.watch.stop()  # what the server does when its shutdown begins
    assert await call.read() is grpc.aio.EOF
    assert await call.code() == grpc.StatusCode.OK
