"""The dispatcher tells every agency of every change, once in effect: each notice in the
outbox reaches the real agency server, its acknowledgement and a history event land on
the case together, an agency that is down gets the notice after it returns, one that
refuses it for good is not asked again, and two dispatchers on one database never send
one notice at the same time."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from sqlmodel import select

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.hhs.tables import AUDIT as HHS_AUDIT
from services.orchestrator import server as orchestrator_server
from services.orchestrator.adapters import outbox
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import OutboxRow
from services.orchestrator.usecases.dispatch import Dispatcher
from services.treasury import server as treasury_server
from services.usda.tables import AUDIT as USDA_AUDIT
from tests.integration.conftest import Recorder
from tests.integration.notices import (
    AGENCIES,
    deliver_applications,
    enqueue,
    every_agency,
    forget_received,
    notice,
    open_case,
)


def _dispatcher(
    coordination, clock, name: str, db=None, batch: int = 20, leases=True
) -> Dispatcher:  # type: ignore[no-untyped-def]
    return Dispatcher(
        db or coordination.orchestrator_db,
        coordination.gateway,
        clock,
        Subjects(coordination.keys.subject_key()),
        name,
        budget_seconds=3.0,
        batch=batch,
        changed=coordination.changed,
        # Backoff waits are measured on the test's clock too, so the test moves them; a
        # notice the service wrote itself is due in real time (leases=False).
        leases=clock if leases else None,
    )


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _rows(coordination, agency: str = "") -> list[OutboxRow]:  # type: ignore[no-untyped-def]
    with coordination.orchestrator_db.session() as session:
        rows = session.exec(select(OutboxRow).order_by(OutboxRow.id))
        return [r for r in rows if not agency or r.agency == agency]


async def _case(coordination, clock, stub=None):  # type: ignore[no-untyped-def]
    """A new case whose own notices (HHS's and USDA's, of the application) are delivered
    already, so a test's notices are all that is left to send and all the agencies see."""
    opened = await open_case(stub or coordination.orchestrator, "rivera", "rivera")
    assert await deliver_applications(coordination, clock) == 2
    forget_received(coordination)
    return opened


async def test_every_notice_reaches_its_agency_once_and_the_case_shows_each_answer(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    case, members = await _case(coordination, clock)
    notices = every_agency(case, members, ["change-1", "change-2"])
    enqueue(coordination.orchestrator_db, notices, clock.now())
    dispatcher = _dispatcher(coordination, clock, "d1")

    # An agency hears of one case's changes in order: the first change to every agency,
    # then the second.
    rounds = [await dispatcher.run_once() for _ in range(3)]
    assert [(r.claimed, r.acknowledged, r.duplicates, r.retrying) for r in rounds] == [
        (4, 4, 0, 0),
        (4, 4, 0, 0),
        (0, 0, 0, 0),
    ]
    for agency in AGENCIES:
        received = [r.request_id for r in coordination.recorders[agency].of("ReceiveChange")]
        assert sorted(received) == sorted(n.idempotency_key for a, n in notices if a == agency)

    shown = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    # The application's two notices, then the test's eight.
    assert [n.kind for n in shown.notifications[:2]] == [le.LIFE_EVENT_KIND_APPLIED] * 2
    assert len(shown.notifications) == 10
    for note in shown.notifications:
        assert note.state == pb.NOTIFICATION_STATE_ACKNOWLEDGED
        assert note.attempts == 1
        ack = note.acknowledgement
        assert (ack.agency, ack.idempotency_key, ack.duplicate) == (
            note.agency,
            note.idempotency_key,
            False,
        )
    answers = [e for e in shown.history if e.kind == pb.CASE_EVENT_KIND_ACKNOWLEDGED]
    assert len(answers) == 10 and all(e.detail for e in answers)
    sequences = [e.sequence for e in shown.history]
    assert sequences == sorted(set(sequences)) and sequences[0] > 0

    # What each agency was told about the members is on the audit trail.
    report = await coordination.orchestrator.GetDisclosureReport(
        pb.GetDisclosureReportRequest(ssn=members[0][1])
    )
    told = {
        d.actor_service
        for d in report.disclosures
        if d.outcome == "DISCLOSED" and "change.income_change" in d.facts
    }
    assert told == set(AGENCIES)


async def test_an_agency_that_is_down_gets_its_notice_once_it_is_back(
    coordination, serve, clock
) -> None:  # type: ignore[no-untyped-def]
    case, members = await _case(coordination, clock)
    treasury = coordination.agencies["treasury"]
    await treasury.stop()
    enqueue(
        coordination.orchestrator_db,
        [("treasury", notice(case, members, "treasury", "change-1"))],
        clock.now(),
    )
    dispatcher = _dispatcher(coordination, clock, "d1")

    down = await dispatcher.run_once()
    assert (down.claimed, down.retrying) == (1, 1)
    (row,) = _rows(coordination, "treasury")
    assert (row.state, row.attempts, row.last_error) == (outbox.PENDING, 1, "UNAVAILABLE")
    # Not tried again before its wait is over.
    assert (await dispatcher.run_once()).claimed == 0

    keys = coordination.keys
    recorder = Recorder()
    await serve(
        treasury_server.bindings(
            coordination.databases["treasury"], clock, keys.verifier(), keys.subject_key()
        ),
        recorder,
        port=treasury.port,
    )
    waits = []
    for _ in range(20):  # the gateway's channel may still be reconnecting for a moment
        (row,) = _rows(coordination, "treasury")
        waits.append(row.next_attempt_at - row.updated_at)
        clock.set(_utc(row.next_attempt_at))
        if (await dispatcher.run_once()).acknowledged:
            break
        await asyncio.sleep(0.25)
    (row,) = _rows(coordination, "treasury")
    assert row.state == outbox.ACKNOWLEDGED and row.attempts >= 2
    assert len(recorder.of("ReceiveChange")) == 1
    # Each wait at least half of a doubling series from one second.
    assert all(w >= dt.timedelta(seconds=0.5 * 2**i) for i, w in enumerate(waits[:4]))


async def test_a_notice_the_agency_refuses_is_not_sent_again_and_the_case_says_so(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    case, members = await _case(coordination, clock)
    bad = notice(case, members, "ssa", "change-1")
    bad.effective_date.year = 2035  # beyond what any change may be reported ahead
    enqueue(coordination.orchestrator_db, [("ssa", bad)], clock.now())
    dispatcher = _dispatcher(coordination, clock, "d1")

    first = await dispatcher.run_once()
    assert (first.claimed, first.refused) == (1, 1)
    clock.advance(dt.timedelta(hours=1))
    assert (await dispatcher.run_once()).claimed == 0
    assert len(coordination.recorders["ssa"].of("ReceiveChange")) == 1

    shown = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    (note,) = [n for n in shown.notifications if n.agency == "ssa"]
    assert (note.state, note.attempts) == (pb.NOTIFICATION_STATE_REFUSED, 1)
    last = shown.history[-1]
    assert last.kind == pb.CASE_EVENT_KIND_NOTICE_REFUSED
    assert "ssa" in last.detail and "INVALID_ARGUMENT" in last.detail


async def test_two_dispatchers_on_one_database_never_send_one_notice_at_once(
    coordination, clock, database_url
) -> None:  # type: ignore[no-untyped-def]
    changes = [f"change-{n}" for n in range(4)]
    notices = []
    for stem in ("rivera", "chen", "okafor"):
        case, members = await open_case(coordination.orchestrator, stem, stem)
        notices += every_agency(case, members, changes)
    # Each case's own notices first (HHS's and USDA's, due in real time, not on the test's
    # clock these dispatchers keep): acknowledged, sent once like every other.
    applied = await deliver_applications(coordination, clock)
    assert applied == len(_rows(coordination)) >= 3
    total = enqueue(coordination.orchestrator_db, notices, clock.now())
    second_db = orchestrator_server.open_database(database_url)  # as another process would
    # Small batches, so both are busy at once and reach for the same notices.
    dispatchers = [
        _dispatcher(coordination, clock, "d1", batch=3),
        _dispatcher(coordination, clock, "d2", second_db, batch=3),
    ]
    claimed: Counter[str] = Counter()
    try:
        for _ in range(60):
            rounds = await asyncio.gather(*(d.run_once() for d in dispatchers))
            assert sum(r.retrying + r.refused + r.superseded for r in rounds) == 0
            claimed.update({"d1": rounds[0].claimed, "d2": rounds[1].claimed})
            if not any(r.claimed for r in rounds):
                break
    finally:
        second_db.dispose()
    rows = _rows(coordination)
    assert len(rows) == total + applied and total == sum(claimed.values())
    assert {(r.state, r.attempts) for r in rows} == {(outbox.ACKNOWLEDGED, 1)}
    sent = Counter(
        r.request_id for a in AGENCIES for r in coordination.recorders[a].of("ReceiveChange")
    )
    assert set(sent.values()) == {1} and len(sent) == total + applied
    print(f"\ntwo dispatchers: claimed {dict(claimed)} of {total} notices, each sent once")


async def test_agencies_told_by_person_id_audit_each_person_the_notice_concerns(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    """HHS and USDA are told of members by person id alone (no SSN); each still writes one
    RECEIVED entry per person the notice names, so the receipt of personal news is on
    their own audit trail."""
    case, _ = await _case(coordination, clock)
    move = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_MOVE,
        effective_date=date_pb2.Date(year=2026, month=11, day=1),
        new_address=household_pb2.Address(
            line1="500 Congress Ave",
            city="Austin",
            state_code="TX",
            county="Travis",
            zip_code="78701",
        ),
    )
    reply = await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id="move-1", case_id=case.case_id, event=move)
    )
    assert {"hhs", "usda"} <= set(reply.notified_agencies)
    await _dispatcher(coordination, clock, "d1", leases=False).run_once()
    for agency, audit in (("hhs", HHS_AUDIT), ("usda", USDA_AUDIT)):
        (told,) = coordination.recorders[agency].of("ReceiveChange")
        people = [s.person_id for s in told.notice.subjects]
        assert people and all(not s.ssn for s in told.notice.subjects)
        with coordination.databases[agency].session() as session:
            every = list(session.exec(select(audit.entry)))
            assert audit.verify(session).ok
        # The application's notice came first, on the same trail; these are the move's.
        entries = [e for e in every if e.fact_names() != ["change.applied"]]
        assert len(entries) < len(every)
        assert [e.outcome for e in entries] == ["RECEIVED"] * len(people), agency
        assert len({e.subject_ref for e in entries}) == len(people)
        assert {e.case_id for e in entries} == {case.case_id}
        assert all(e.fact_names() == ["change.move"] for e in entries)
        # Named by a keyed reference: neither the person id nor the case shows through.
        assert not any(p in e.subject_ref for p in people for e in entries)
