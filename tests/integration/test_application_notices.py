"""HHS and USDA hold a case's answers from its first decision: a new case tells each agency
running one of its programs, in the application's own transaction, and once the
dispatcher has run, HHS holds each member's enrollments and one open period per person
and program from the application's answer day, and USDA the household's allotment. A
replayed application writes nothing more, and a change reported later is ordered after
the application. Every agency on its own server over gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.hhs.tables import Enrollment, EnrollmentPeriod
from services.usda.tables import SnapAllotment
from tests.integration.notices import (
    agency_answers,
    application,
    case_answers,
    dispatch_all,
    get_case,
    written,
)
from tests.integration.notices import dispatcher as notice_dispatcher

ANSWER_DAY = dt.date(2026, 11, 25)  # the test clock's day, in plan year 2026


def _periods(coordination: Any, case_id: str) -> list[EnrollmentPeriod]:
    with coordination.databases["hhs"].session() as session:
        query = select(EnrollmentPeriod).where(EnrollmentPeriod.case_id == case_id)
        return list(session.exec(query.order_by(EnrollmentPeriod.id)))


def _enrollments(coordination: Any, case_id: str) -> list[Enrollment]:
    with coordination.databases["hhs"].session() as session:
        return list(session.exec(select(Enrollment).where(Enrollment.case_id == case_id)))


def _allotment(coordination: Any, case_id: str) -> SnapAllotment | None:
    with coordination.databases["usda"].session() as session:
        return session.exec(select(SnapAllotment).where(SnapAllotment.case_id == case_id)).first()


async def test_a_new_case_tells_hhs_and_usda_its_answers_from_the_answer_day(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    request = application("rivera", "rivera-first")
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    answers = case_answers(case)
    assert answers["hhs"] and answers["usda"]  # the Riveras are in both agencies' programs
    # The answer shows them, waiting for the dispatcher.
    assert [(n.agency, n.kind, n.state) for n in case.notifications] == [
        ("hhs", le.LIFE_EVENT_KIND_APPLIED, pb.NOTIFICATION_STATE_PENDING),
        ("usda", le.LIFE_EVENT_KIND_APPLIED, pb.NOTIFICATION_STATE_PENDING),
    ]

    # Written with the case: one notice per agency, the case's first revision.
    day = ANSWER_DAY.isoformat()
    assert written(coordination, case.case_id) == [
        ("hhs", "APPLIED", 1, day, f"{case.case_id}:applied:hhs"),
        ("usda", "APPLIED", 1, day, f"{case.case_id}:applied:usda"),
    ]
    # Nothing is held before the dispatcher sends them.
    assert agency_answers(coordination, case.case_id) == {"hhs": set(), "usda": set()}

    await dispatch_all(notice_dispatcher(coordination, clock, changed=None))
    shown = await get_case(coordination, case.case_id)
    assert {(n.agency, n.state) for n in shown.notifications} == {
        ("hhs", pb.NOTIFICATION_STATE_ACKNOWLEDGED),
        ("usda", pb.NOTIFICATION_STATE_ACKNOWLEDGED),
    }
    told = [e.detail for e in shown.history if e.kind == pb.CASE_EVENT_KIND_ACKNOWLEDGED]
    assert len(told) == 2 and all("application's first determination" in t for t in told)
    assert agency_answers(coordination, case.case_id) == answers

    enrollments = _enrollments(coordination, case.case_id)
    assert {(e.revision, e.effective_date) for e in enrollments} == {(1, ANSWER_DAY)}
    # One open period per person and program, from the answer day, set by the application.
    periods = _periods(coordination, case.case_id)
    keys = [(p.person_id, p.program) for p in periods]
    assert sorted(keys) == sorted((e.person_id, e.program) for e in enrollments)
    for period in periods:
        assert (period.valid_from, period.valid_until) == (ANSWER_DAY, None)
        assert (period.set_by, period.set_revision) == (f"{case.case_id}:applied:hhs", 1)
        assert not period.left_case
    allotment = _allotment(coordination, case.case_id)
    assert allotment is not None
    assert (allotment.revision, allotment.effective_date) == (1, ANSWER_DAY)


async def test_a_replayed_application_writes_no_second_notice(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    request = application("rivera", "rivera-twice")
    first = (await coordination.orchestrator.SubmitApplication(request)).case
    before = written(coordination, first.case_id)
    assert len(before) == 2
    again = (await coordination.orchestrator.SubmitApplication(request)).case
    assert again.case_id == first.case_id
    assert list(again.notifications) == list(first.notifications)
    assert written(coordination, first.case_id) == before

    # Delivered once; a second dispatcher finds nothing left to send.
    await dispatch_all(notice_dispatcher(coordination, clock, changed=None))
    assert not (await notice_dispatcher(coordination, clock, "d2").run_once()).claimed
    assert len(coordination.recorders["hhs"].of("ReceiveChange")) == 1
    assert len(coordination.recorders["usda"].of("ReceiveChange")) == 1


async def test_a_change_reported_later_is_ordered_after_the_application(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    request = application("rivera", "rivera-then-job")
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    dispatcher = notice_dispatcher(coordination, clock, changed=None)
    await dispatch_all(dispatcher)

    # The earner's job ends on 1 December, reported ahead of the day.
    earner = request.household.members[0].person_id
    job_ends = dt.date(2026, 12, 1)
    event = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=date_pb2.Date(year=2026, month=12, day=1),
        person_id=earner,
        incomes=[],
    )
    reply = await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id="job-ends", case_id=case.case_id, event=event)
    )
    assert {"hhs", "usda"} <= set(reply.notified_agencies)
    await dispatch_all(dispatcher)

    notices = [(a, k, r) for a, k, r, _, _ in written(coordination, case.case_id)]
    assert notices[:2] == [("hhs", "APPLIED", 1), ("usda", "APPLIED", 1)]
    assert {r for _, k, r in notices if k == "INCOME_CHANGE"} == {2}
    latest = await get_case(coordination, case.case_id)
    assert agency_answers(coordination, case.case_id) == case_answers(latest)
    assert {e.revision for e in _enrollments(coordination, case.case_id)} == {2}
    allotment = _allotment(coordination, case.case_id)
    assert allotment is not None and allotment.revision == 2

    # Each person's application standing held until the day before the change took effect.
    by_key: dict[tuple[str, str], list[EnrollmentPeriod]] = {}
    for period in _periods(coordination, case.case_id):
        by_key.setdefault((period.person_id, period.program), []).append(period)
    for key, periods in by_key.items():
        spans = [(p.set_revision, p.valid_from, p.valid_until) for p in periods]
        assert spans == [
            (1, ANSWER_DAY, job_ends - dt.timedelta(days=1)),
            (2, job_ends, None),
        ], key


async def test_each_person_a_notice_tells_an_agency_about_sees_it_in_their_report(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    """Notices to HHS and USDA name people by person_id only (no SSN is sent there), yet
    what they tell is a disclosure about each of them: the dispatcher puts it on each
    person's record, so their disclosure report shows which agency was told, and when."""
    request = application("rivera", "rivera-report")
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    await dispatch_all(notice_dispatcher(coordination, clock, changed=None))
    auditor = coordination.stub_as("au-1", "auditor")
    for member in request.household.members:
        report = await auditor.GetDisclosureReport(pb.GetDisclosureReportRequest(ssn=member.ssn))
        told = {
            d.actor_service
            for d in report.disclosures
            if d.case_id == case.case_id
            and d.outcome == "DISCLOSED"
            and "change.applied" in d.facts
        }
        assert told == {"hhs", "usda"}, member.person_id
