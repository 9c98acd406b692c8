"""Leases are about live processes, not simulated time: on a service clock that stands
still (ELIG_CLOCK_FIXED_AT, the `clock` fixture), a claim left by a worker that died lapses
after its lease in real time, and another worker takes the work over. Measured on the
service's clock, such a claim would never lapse."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator import server as orchestrator_server
from services.orchestrator.adapters import outbox, repository
from services.orchestrator.usecases.settle_issues import IssueClock
from tests.integration.notices import deliver_applications, enqueue, notice, open_case
from tests.integration.notices import dispatcher as notice_dispatcher

# The lease of the worker that dies: short, so the test waits a moment of real time.
DEAD_LEASE = dt.timedelta(seconds=1)
PATIENCE_SECONDS = 30


def _real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _until(work, done) -> object:  # type: ignore[no-untyped-def]
    """Run ``work`` until ``done`` says its result is the awaited one, or give up."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while True:
        result = await work()
        if done(result) or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.2)


async def test_a_dead_dispatcher_s_claim_lapses_although_the_service_clock_stands_still(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    case, members = await open_case(coordination.orchestrator, "rivera", "rivera-lease")
    # The case's own notices (its application, to HHS and USDA) are sent first.
    assert await deliver_applications(coordination, clock) == 2
    enqueue(
        coordination.orchestrator_db,
        [("ssa", notice(case, members, "ssa", "change-1"))],
        clock.now(),
    )
    with coordination.orchestrator_db.session() as session:
        # A dispatcher claims the notice and dies before sending it.
        (taken,) = outbox.claim_due(session, "dead", _real_now(), DEAD_LEASE, 10)
        session.commit()
    standing = clock.now()
    # As the server builds it: the service's (fixed) clock, leases on real time.
    survivor = notice_dispatcher(coordination, clock, "alive", changed=None)
    result = await _until(survivor.run_once, lambda r: r.acknowledged)
    assert result.acknowledged == 1  # type: ignore[attr-defined]
    assert clock.now() == standing
    shown = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    (sent,) = [n for n in shown.notifications if n.agency == "ssa"]
    assert (sent.state, sent.attempts) == (pb.NOTIFICATION_STATE_ACKNOWLEDGED, 2)
    assert taken.attempts == 1


async def test_a_dead_issue_clock_s_claim_lapses_although_the_service_clock_stands_still(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    await coordination.agencies["treasury"].stop()
    case, _ = await open_case(coordination.orchestrator, "okafor", "okafor-lease")
    assert case.data_matching_issues
    clock.advance(dt.timedelta(days=91))
    with coordination.orchestrator_db.session() as session:
        # An issue clock claims the case and dies before settling it.
        dead = repository.claim_past_due(
            session, "dead", clock.now().date(), _real_now(), DEAD_LEASE, 10
        )
        session.commit()
    assert dead == [case.case_id]
    keys = coordination.keys
    applications = orchestrator_server.coordinator(
        coordination.orchestrator_db, coordination.gateway, clock, keys.signer(), keys.subject_key()
    )
    # As the server builds it: the service's (fixed) clock, leases on real time.
    survivor = IssueClock(
        coordination.orchestrator_db, applications, clock, "alive", budget_seconds=3.0
    )
    standing = clock.now()
    result = await _until(survivor.run_once, lambda r: r.settled_issues)
    assert result.settled_issues == len(case.data_matching_issues)  # type: ignore[attr-defined]
    assert clock.now() == standing
    after = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    assert not after.data_matching_issues
