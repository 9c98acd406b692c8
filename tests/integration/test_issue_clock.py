"""The 90-day clock: a data-matching issue left unresolved past its inconsistency period is
settled by rule (45 CFR 155.315(f)(5)), with a notice in the case's history, and two
workers on one database settle each issue once."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import col, func, select

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from services.orchestrator import server as orchestrator_server
from services.orchestrator.adapters.tables import CaseEventRow
from services.orchestrator.usecases.settle_issues import IssueClock
from tests.integration.notices import deliver_applications, forget_received
from tests.integration.notices import dispatcher as notice_dispatcher

PERIOD = dt.timedelta(days=90)


def _application(stem: str, request_id: str) -> pb.SubmitApplicationRequest:
    request = load_request(next(p for p in example_paths() if stem in p.name), request_id)
    request.plan_year = 2026  # a year with published benchmark premiums
    return request


def _clock_worker(coordination, clock, name: str, db=None, batch: int = 20) -> IssueClock:  # type: ignore[no-untyped-def]
    db = db or coordination.orchestrator_db
    keys = coordination.keys
    applications = orchestrator_server.coordinator(
        db, coordination.gateway, clock, keys.signer(), keys.subject_key()
    )
    return IssueClock(db, applications, clock, name, budget_seconds=3.0, batch=batch)


def _statuses(case: pb.Case) -> set[int]:
    every = [p for d in case.determinations for p in d.programs]
    return {p.status for p in [*every, *case.household_determinations]}


def _reason_codes(case: pb.Case) -> set[str]:
    every = [p for d in case.determinations for p in d.programs]
    return {r.code for p in [*every, *case.household_determinations] for r in p.reasons}


async def test_an_income_inconsistency_left_unresolved_is_determined_from_the_tax_return(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    application = _application("rivera", "rivera-low")
    # The Riveras say far less than their last return shows, and never send proof.
    application.household.members[0].incomes[0].annual_amount_cents //= 5
    case = (await coordination.orchestrator.SubmitApplication(application)).case
    (issue,) = [i for i in case.data_matching_issues if i.reason_code == "INCOME_INCONSISTENT"]
    assert det.DETERMINATION_STATUS_CONDITIONAL in _statuses(case)
    worker = _clock_worker(coordination, clock, "w1")

    clock.advance(PERIOD - dt.timedelta(days=1))  # the period still runs: nothing happens
    assert (await worker.run_once()).claimed == 0

    clock.advance(dt.timedelta(days=2))
    done = await worker.run_once()
    assert (done.claimed, done.settled_issues, done.failed) == (1, 1, 0)
    after = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    assert not after.data_matching_issues
    assert det.DETERMINATION_STATUS_CONDITIONAL not in _statuses(after)
    settled = after.history[-1]
    assert settled.kind == pb.CASE_EVENT_KIND_ISSUE_SETTLED
    assert "45 CFR 155.315(f)(5)" in settled.detail and "Notice sent" in settled.detail
    # The determination now rests on the return's figure, held by the first filer.
    filer = issue.person_id
    returned = [e for e in after.evidence if e.person_id == filer and e.fact.endswith("_magi")]
    member = next(m for m in after.household.members if m.person_id == filer)
    assert [(i.kind, i.annual_amount_cents) for i in member.incomes] == [
        (household_pb2.INCOME_KIND_WAGES, int(returned[-1].value))
    ]
    # Settled once: nothing is due any more.
    assert (await worker.run_once()).claimed == 0


async def test_when_no_source_answered_within_the_period_the_attestation_stands(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    await coordination.agencies["treasury"].stop()
    case = (
        await coordination.orchestrator.SubmitApplication(_application("okafor", "okafor-down"))
    ).case
    assert case.status == pb.CASE_STATUS_PENDING_VERIFICATION
    assert {i.reason_code for i in case.data_matching_issues} == {"INCOME_SOURCE_UNAVAILABLE"}

    clock.advance(PERIOD + dt.timedelta(days=1))
    done = await _clock_worker(coordination, clock, "w1").run_once()
    assert (done.settled_issues, done.failed) == (len(case.data_matching_issues), 0)
    after = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    assert after.status == pb.CASE_STATUS_DETERMINED and not after.data_matching_issues
    assert det.DETERMINATION_STATUS_PENDING_VERIFICATION not in _statuses(after)
    assert "ATTESTATION_ACCEPTED" in _reason_codes(after)
    assert after.history[-1].kind == pb.CASE_EVENT_KIND_ISSUE_SETTLED
    assert "attested income stands" in after.history[-1].detail


async def test_two_workers_on_one_database_settle_each_issue_once(
    coordination, clock, database_url
) -> None:  # type: ignore[no-untyped-def]
    await coordination.agencies["treasury"].stop()
    stems = ["okafor", "rivera", "chen", "kowalski"]
    issues = {}
    for stem in stems:
        case = (await coordination.orchestrator.SubmitApplication(_application(stem, stem))).case
        issues[case.case_id] = len(case.data_matching_issues)
    assert all(issues.values())
    clock.advance(PERIOD + dt.timedelta(days=1))
    second_db = orchestrator_server.open_database(database_url)  # as another process would
    workers = [
        _clock_worker(coordination, clock, "w1", batch=1),
        _clock_worker(coordination, clock, "w2", second_db, batch=1),
    ]
    claimed = {"w1": 0, "w2": 0}
    try:
        for _ in range(10):
            rounds = await asyncio.gather(*(w.run_once() for w in workers))
            assert sum(r.failed for r in rounds) == 0
            claimed["w1"] += rounds[0].settled_issues
            claimed["w2"] += rounds[1].settled_issues
            if not any(r.claimed for r in rounds):
                break
    finally:
        second_db.dispose()
    with coordination.orchestrator_db.session() as session:
        per_case = dict(
            session.exec(
                select(CaseEventRow.case_id, func.count())
                .where(CaseEventRow.kind == "ISSUE_SETTLED")
                .group_by(col(CaseEventRow.case_id))
            ).all()
        )
    assert per_case == issues
    print(f"\ntwo issue clocks: settled {claimed} of {sum(issues.values())} issues, each once")


async def test_a_settlement_that_changes_answers_tells_hhs_and_usda_once(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    application = _application("rivera", "rivera-told")
    application.household.members[0].incomes[0].annual_amount_cents //= 5
    case = (await coordination.orchestrator.SubmitApplication(application)).case
    assert any(i.reason_code == "INCOME_INCONSISTENT" for i in case.data_matching_issues)
    # HHS and USDA hold the application's answers first; what follows is the settlement's.
    assert await deliver_applications(coordination, clock) == 2
    forget_received(coordination)
    worker = _clock_worker(coordination, clock, "w1")
    dispatcher = notice_dispatcher(coordination, clock, changed=None)

    clock.advance(PERIOD + dt.timedelta(days=1))
    assert (await worker.run_once()).settled_issues == 1
    settled = (
        await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))
    ).case
    moved = {
        ("usda" if p.program == det.PROGRAM_SNAP else "hhs")
        for p in [*(q for d in settled.determinations for q in d.programs)]
        + list(settled.household_determinations)
        if (p.program, p.status, p.monthly_benefit_cents) not in _answers(case)
    }
    assert moved  # the return's figure moved some answer
    settlement = [n for n in settled.notifications if n.kind == le.LIFE_EVENT_KIND_ISSUE_SETTLED]
    assert {n.agency for n in settlement} == moved
    assert len(settled.notifications) == len(settlement) + 2  # the application's two

    for _ in range(5):
        if not (await dispatcher.run_once()).claimed:
            break
    after = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    assert {
        (n.agency, n.state)
        for n in after.notifications
        if n.kind == le.LIFE_EVENT_KIND_ISSUE_SETTLED
    } == {(agency, pb.NOTIFICATION_STATE_ACKNOWLEDGED) for agency in moved}
    acknowledged = [
        e
        for e in after.history
        if e.kind == pb.CASE_EVENT_KIND_ACKNOWLEDGED and "application" not in e.detail
    ]
    assert {e.detail.split(" ")[0] for e in acknowledged} == moved
    assert all("settled by rule: updated a benefit" in e.detail for e in acknowledged)
    for agency in moved:
        (call,) = coordination.recorders[agency].of("ReceiveChange")
        assert call.notice.kind == le.LIFE_EVENT_KIND_ISSUE_SETTLED

    # Time moves on: nothing is due again, so no second settlement and no second notice.
    clock.advance(PERIOD)
    assert (await worker.run_once()).claimed == 0
    assert (await dispatcher.run_once()).claimed == 0
    again = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    assert [e.kind for e in again.history].count(pb.CASE_EVENT_KIND_ISSUE_SETTLED) == 1
    assert len(again.notifications) == len(moved) + 2


def _answers(case: pb.Case) -> set[tuple[int, int, int]]:
    every = [p for d in case.determinations for p in d.programs]
    return {
        (p.program, p.status, p.monthly_benefit_cents)
        for p in [*every, *case.household_determinations]
    }
