"""When the orchestrator determines a case again of its own accord, a pending case rechecked
once Treasury answers or a case renewed for the next year, HHS and USDA are told of the
answers that moved and end up holding them; a recheck that moves nothing tells nobody; each
decision's notices carry a revision above the case's earlier ones. Every agency on its own
server over gRPC, the notices delivered by the orchestrator's dispatcher, on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlmodel import select

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.hhs.tables import Enrollment
from services.orchestrator import server as orchestrator_server
from services.orchestrator.adapters import repository
from services.orchestrator.usecases.follow_up import FollowUp
from services.treasury import server as treasury_server
from services.usda.tables import SnapAllotment
from shared.protoconv import date_to_proto
from tests.integration.notices import (
    Answers,
    agency_answers,
    application,
    case_answers,
    dispatch_all,
    get_case,
)
from tests.integration.notices import dispatcher as notice_dispatcher
from tests.integration.notices import (
    written as outbox_notices,
)

_HHS = (det.PROGRAM_MEDICAID, det.PROGRAM_CHIP, det.PROGRAM_MARKETPLACE)


def _moved(before: Answers, after: Answers) -> set[str]:
    return {agency for agency in before if before[agency] != after[agency]}


def _follow_up(coordination: Any, clock: Any) -> FollowUp:
    """A follow-up worker as the server builds it, looking again at once (no retry wait)."""
    keys = coordination.keys
    db = coordination.orchestrator_db
    applications = orchestrator_server.coordinator(
        db, coordination.gateway, clock, keys.signer(), keys.subject_key()
    )
    return FollowUp(db, applications, clock, "w1", budget_seconds=3.0, retry_after=dt.timedelta(0))


async def _pending_then_determined(coordination: Any, serve: Any, clock: Any, stem: str):  # type: ignore[no-untyped-def]
    """A case left pending while Treasury was down, rechecked once while still down (which
    moves nothing), then rechecked until Treasury's answer determines it. Returns the case
    before and after, and the worker."""
    treasury = coordination.agencies["treasury"]
    await treasury.stop()
    pending = (await coordination.orchestrator.SubmitApplication(application(stem, stem))).case
    assert pending.status == pb.CASE_STATUS_PENDING_VERIFICATION
    # The application told each agency running one of its programs of its pending answers.
    applied = outbox_notices(coordination, pending.case_id)
    assert [(a, k, r) for a, k, r, _, _ in applied] == [
        ("hhs", "APPLIED", 1),
        ("usda", "APPLIED", 1),
    ]
    worker = _follow_up(coordination, clock)

    still = await worker.run_once()
    assert (still.claimed, still.still_pending, still.failed) == (1, 1, 0)
    unchanged = await get_case(coordination, pending.case_id)
    assert case_answers(unchanged) == case_answers(pending)
    # Nothing moved: no agency is told again, and no revision is taken.
    assert outbox_notices(coordination, pending.case_id) == applied

    keys = coordination.keys
    await serve(
        treasury_server.bindings(
            coordination.databases["treasury"], clock, keys.verifier(), keys.subject_key()
        ),
        port=treasury.port,
    )
    # The gateway's channel may still be in its reconnect back-off for a moment.
    for _ in range(40):
        clock.advance(dt.timedelta(minutes=6))
        done = await worker.run_once()
        if done.determined:
            break
        await asyncio.sleep(0.25)
    assert (done.determined, done.failed) == (1, 0)
    return pending, await get_case(coordination, pending.case_id), worker


async def test_a_recheck_that_determines_a_pending_case_tells_each_agency_whose_answers_moved(
    coordination, serve, clock
) -> None:  # type: ignore[no-untyped-def]
    pending, determined, worker = await _pending_then_determined(
        coordination, serve, clock, "rivera"
    )
    assert determined.status == pb.CASE_STATUS_DETERMINED
    moved = _moved(case_answers(pending), case_answers(determined))
    assert "hhs" in moved  # Medicaid and the Marketplace waited on Treasury's income

    written = outbox_notices(coordination, pending.case_id)
    # After the application's two notices (revision 1), the recheck's: the next revision.
    assert [k for _, k, *_ in written[:2]] == ["APPLIED", "APPLIED"]
    rechecked = written[2:]
    on = clock.now().date().isoformat()  # a recheck answers from its own day
    assert {(a, k, r, d) for a, k, r, d, _ in rechecked} == {(a, "RECHECKED", 2, on) for a in moved}
    assert len(rechecked) == len(moved)  # one notice per agency told
    print(f"\nrecheck told {sorted(moved)}")

    dispatcher = notice_dispatcher(coordination, clock, changed=None)
    await dispatch_all(dispatcher)
    case = await get_case(coordination, pending.case_id)
    assert {(n.agency, n.state) for n in case.notifications} == {
        (a, pb.NOTIFICATION_STATE_ACKNOWLEDGED) for a in ("hhs", "usda")
    }
    # Told of the application, and of the recheck where it moved their answers: each
    # agency holds the case's answers.
    held = agency_answers(coordination, pending.case_id)
    for agency in ("hhs", "usda"):
        assert held[agency] == case_answers(case)[agency], agency

    # The same recheck run again (a worker that crashed after the commit, taken over):
    # nothing moved since, so nothing more is written, and nothing is sent twice.
    await worker._coordinator.recheck(pending.case_id, "w2", lambda: 3.0)
    assert outbox_notices(coordination, pending.case_id) == written
    assert not (await dispatcher.run_once()).claimed


async def test_a_renewal_that_moves_answers_tells_the_agencies_with_the_next_revision(
    coordination, serve, clock
) -> None:  # type: ignore[no-untyped-def]
    pending, determined, _ = await _pending_then_determined(coordination, serve, clock, "rivera")
    first = outbox_notices(coordination, pending.case_id)
    assert first and {r for _, _, r, _, _ in first} == {1, 2}  # the application, the recheck
    dispatcher = notice_dispatcher(coordination, clock, changed=None)
    await dispatch_all(dispatcher)

    renewal = pb.RenewCaseRequest(request_id="renew-rivera", case_id=pending.case_id)
    reply = await coordination.orchestrator.RenewCase(renewal)
    assert reply.case.plan_year == 2027
    moved = _moved(case_answers(determined), case_answers(reply.case))
    # 2027's Marketplace answers are estimates, pending published figures; SNAP's answer is
    # for this month's figures either way, so it did not move and USDA is not told.
    assert moved == {"hhs"}, moved
    print(f"\nrenewal told {sorted(moved)}")

    # The renewal's own notices: the next revision, effective when 2027's answers hold.
    renewed = outbox_notices(coordination, pending.case_id)[len(first) :]
    assert {(a, k, r, d) for a, k, r, d, _ in renewed} == {
        (a, "RENEWED", 3, "2027-01-01") for a in moved
    }
    assert {key for *_, key in renewed} == {f"{pending.case_id}:renewed-2027:{a}" for a in moved}
    await dispatch_all(dispatcher)
    case = await get_case(coordination, pending.case_id)
    assert all(n.state == pb.NOTIFICATION_STATE_ACKNOWLEDGED for n in case.notifications)
    held = agency_answers(coordination, pending.case_id)
    for agency in moved:
        assert held[agency] == case_answers(case)[agency], agency
    # USDA, not told, still holds the recheck's answer, which is still the case's.
    assert held["usda"] == case_answers(case)["usda"] == case_answers(determined)["usda"]
    with coordination.databases["hhs"].session() as session:
        hhs = {
            r.revision
            for r in session.exec(select(Enrollment).where(Enrollment.case_id == case.case_id))
        }
    with coordination.databases["usda"].session() as session:
        usda = {
            r.revision
            for r in session.exec(
                select(SnapAllotment).where(SnapAllotment.case_id == case.case_id)
            )
        }
    assert (hhs, usda) == ({3}, {2})

    # Renewing again for 2027 changes nothing and tells nobody again.
    again = await coordination.orchestrator.RenewCase(renewal)
    assert again.outcome == pb.RENEWAL_OUTCOME_ALREADY_RENEWED
    assert len(outbox_notices(coordination, pending.case_id)) == len(first) + len(renewed)


async def test_a_recheck_read_before_a_reported_change_does_not_put_the_old_household_back(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    """A recheck reads the case, a change is reported and saved, then the recheck saves: its
    answers were worked out for the household before the change, so it must not overwrite
    the change's answers (it meets CaseMoved and leaves the case as the change left it)."""
    request = application("rivera", "r1")
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    worker = _follow_up(coordination, clock)
    with coordination.orchestrator_db.session() as session:
        read_first = repository.load(session, case.case_id)
    assert read_first is not None

    earner = next(m.person_id for m in request.household.members if m.incomes)
    event = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=date_to_proto(clock.now().date()),
        person_id=earner,
        incomes=[],
    )
    reply = await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id="income-gone", case_id=case.case_id, event=event)
    )
    changed = await get_case(coordination, case.case_id)
    assert changed.household != case.household  # the change did replace the household
    assert case_answers(changed) == case_answers(reply.case)
    written = outbox_notices(coordination, case.case_id)

    with pytest.raises(repository.CaseMoved):
        await worker._coordinator.redetermine(
            read_first, read_first.case.plan_year, "RECHECKED", "w1", lambda: 3.0
        )
    after = await get_case(coordination, case.case_id)
    assert case_answers(after) == case_answers(changed)
    assert after.household == changed.household
    assert [e.kind for e in after.history] == [e.kind for e in changed.history]
    assert outbox_notices(coordination, case.case_id) == written  # no agency told of stale answers
