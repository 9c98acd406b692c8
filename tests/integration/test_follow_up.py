"""Pending verifications are followed up: a case left pending because Treasury could not
be reached is asked again once Treasury answers, settled, and keeps each step; two
workers on one database never recheck the same case."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import col, func, select

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from services.orchestrator import server as orchestrator_server
from services.orchestrator.adapters.tables import CaseEventRow
from services.orchestrator.usecases.follow_up import FollowUp
from services.treasury import server as treasury_server
from tests.integration.conftest import Recorder

UNAVAILABLE = "INCOME_SOURCE_UNAVAILABLE"


def _application(stem: str, request_id: str) -> pb.SubmitApplicationRequest:
    request = load_request(next(p for p in example_paths() if stem in p.name), request_id)
    request.plan_year = 2026  # a year with published benchmark premiums
    return request


def _unavailable(case: pb.Case) -> list[str]:
    return [i.reason_code for i in case.data_matching_issues if i.reason_code == UNAVAILABLE]


async def _with_treasury_down(coordination, stems: list[str]) -> list[pb.Case]:  # type: ignore[no-untyped-def]
    treasury = coordination.agencies["treasury"]
    await treasury.stop()
    cases = []
    for stem in stems:
        case = (await coordination.orchestrator.SubmitApplication(_application(stem, stem))).case
        assert case.status == pb.CASE_STATUS_PENDING_VERIFICATION and _unavailable(case)
        cases.append(case)
    return cases


async def _treasury_back(coordination, serve, clock) -> Recorder:  # type: ignore[no-untyped-def]
    keys = coordination.keys
    recorder = Recorder()
    await serve(
        treasury_server.bindings(
            coordination.databases["treasury"], clock, keys.verifier(), keys.subject_key()
        ),
        recorder,
        port=coordination.agencies["treasury"].port,
    )
    return recorder


def _worker(coordination, clock, name: str, db=None, batch: int = 20) -> FollowUp:  # type: ignore[no-untyped-def]
    db = db or coordination.orchestrator_db
    keys = coordination.keys
    # Retry waits are measured on the test's clock too, so the test moves them.
    applications = orchestrator_server.coordinator(
        db, coordination.gateway, clock, keys.signer(), keys.subject_key(), leases=clock
    )
    return FollowUp(db, applications, clock, name, budget_seconds=3.0, batch=batch, leases=clock)


async def test_a_case_pending_on_an_unreachable_source_is_settled_once_it_answers(
    coordination, serve, clock
) -> None:  # type: ignore[no-untyped-def]
    (before,) = await _with_treasury_down(coordination, ["okafor"])
    worker = _worker(coordination, clock, "w1")

    # Still down: asked again, still pending, and left alone until its retry time.
    still = await worker.run_once()
    assert (still.claimed, still.still_pending) == (1, 1)
    assert (await worker.run_once()).claimed == 0

    recorder = await _treasury_back(coordination, serve, clock)
    # The gateway's channel may still be in its reconnect back-off for a moment: a round
    # that finds Treasury unreachable leaves the case for its next retry time.
    for _ in range(20):
        clock.advance(dt.timedelta(minutes=6))
        settled = await worker.run_once()
        if settled.determined:
            break
        await asyncio.sleep(0.25)
    assert (settled.claimed, settled.determined, settled.failed) == (1, 1, 0)
    assert recorder.calls["VerifyHouseholdIncome"] == 1

    after = (
        await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=before.case_id))
    ).case
    assert after.status == pb.CASE_STATUS_DETERMINED and not _unavailable(after)
    steps = [(e.kind, e.status) for e in after.history]
    assert steps[0] == (pb.CASE_EVENT_KIND_APPLIED, pb.CASE_STATUS_PENDING_VERIFICATION)
    assert steps[-1] == (pb.CASE_EVENT_KIND_RECHECKED, pb.CASE_STATUS_DETERMINED)
    assert set(steps[1:-1]) == {(pb.CASE_EVENT_KIND_RECHECKED, pb.CASE_STATUS_PENDING_VERIFICATION)}
    # Retrying the application's request_id answers with the settled case, not the stale one.
    again = (
        await coordination.orchestrator.SubmitApplication(_application("okafor", "okafor"))
    ).case
    assert (again.case_id, again.status) == (before.case_id, pb.CASE_STATUS_DETERMINED)
    # Nothing asked twice of SSA: identity was verified at application and reused.
    assert coordination.recorders["ssa"].calls["VerifyIdentity"] == 1


async def test_two_workers_on_one_database_recheck_each_case_once(
    coordination, serve, clock, database_url
) -> None:  # type: ignore[no-untyped-def]
    cases = await _with_treasury_down(coordination, ["okafor", "rivera", "chen", "kowalski"])
    await _treasury_back(coordination, serve, clock)
    second_db = orchestrator_server.open_database(database_url)  # as another process would
    # Small batches, so both workers are busy at once and reach for the same cases.
    workers = [
        _worker(coordination, clock, "w1", batch=2),
        _worker(coordination, clock, "w2", second_db, batch=2),
    ]
    claimed = {"w1": 0, "w2": 0}
    try:
        for _ in range(10):
            rounds = await asyncio.gather(*(w.run_once() for w in workers))
            assert sum(r.failed for r in rounds) == 0
            claimed["w1"] += rounds[0].claimed
            claimed["w2"] += rounds[1].claimed
            if not any(r.claimed for r in rounds):
                break
    finally:
        second_db.dispose()
    assert sum(claimed.values()) == len(cases)
    with coordination.orchestrator_db.session() as session:
        per_case = dict(
            session.exec(
                select(CaseEventRow.case_id, func.count())
                .where(CaseEventRow.kind == "RECHECKED")
                .group_by(col(CaseEventRow.case_id))
            ).all()
        )
    assert per_case == {c.case_id: 1 for c in cases}
    print(f"\ntwo workers: claimed {claimed} of {len(cases)} cases, each rechecked once")
