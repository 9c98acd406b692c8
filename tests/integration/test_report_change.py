"""Report a change once, in process: the answer, its idempotency, the outbox rows written with
it, the burden it spares, and the refusals (bad events, another caseworker's case)."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from sqlmodel import select

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from services.orchestrator.adapters.tables import OutboxRow
from shared.errors import details_of
from tests.integration.death_reports import death_follower
from tests.integration.notices import dispatch_all
from tests.integration.notices import dispatcher as notice_dispatcher


def _date(text: str) -> date_pb2.Date:
    year, month, day = (int(x) for x in text.split("-"))
    return date_pb2.Date(year=year, month=month, day=day)


async def _case(coordination, stem: str, request_id: str) -> pb.Case:  # type: ignore[no-untyped-def]
    request = load_request(next(p for p in example_paths() if stem in p.name), request_id)
    return (await coordination.orchestrator.SubmitApplication(request)).case


def _outbox(coordination, case_id: str) -> list[OutboxRow]:  # type: ignore[no-untyped-def]
    with coordination.orchestrator_db.session() as session:
        return list(session.exec(select(OutboxRow).where(OutboxRow.case_id == case_id)))


async def test_a_lost_job_is_reported_once_told_to_each_agency_once_and_counted(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    case = await _case(coordination, "okafor", "okafor-lost-job")
    event = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=_date("2026-11-01"),
        person_id="adaeze",
        incomes=[],
    )
    request = pb.ReportLifeEventRequest(request_id="lost-1", case_id=case.case_id, event=event)
    reply = await coordination.orchestrator.ReportLifeEvent(request)
    # Marketplace only in the case; $16,500 of self-employment left for two is within
    # SNAP's limits, so SNAP is offered (Georgia has not expanded Medicaid to such adults).
    assert det.PROGRAM_SNAP in reply.offered_programs
    assert list(reply.notified_agencies) == ["treasury", "hhs", "usda"]
    assert reply.changes, "a lost job changes the Marketplace answer"
    assert [e.kind for e in reply.case.history][-1] == pb.CASE_EVENT_KIND_LIFE_EVENT
    assert list(reply.case.offered_programs) == list(reply.offered_programs)
    adaeze = next(m for m in reply.case.household.members if m.person_id == "adaeze")
    assert list(adaeze.incomes) == []

    rows = _outbox(coordination, case.case_id)
    # HHS was told of the application (Marketplace only); then each agency of the change.
    assert sorted((r.agency, r.kind) for r in rows) == [
        ("hhs", "LIFE_EVENT_KIND_APPLIED"),
        ("hhs", "LIFE_EVENT_KIND_INCOME_CHANGE"),
        ("treasury", "LIFE_EVENT_KIND_INCOME_CHANGE"),
        ("usda", "LIFE_EVENT_KIND_INCOME_CHANGE"),
    ]
    calls = dict(coordination.recorders["hhs"].calls)
    again = await coordination.orchestrator.ReportLifeEvent(request)
    assert again == reply
    assert dict(coordination.recorders["hhs"].calls) == calls  # nothing asked again
    assert len(_outbox(coordination, case.case_id)) == 4
    shown = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    assert [e.kind for e in shown.history].count(pb.CASE_EVENT_KIND_LIFE_EVENT) == 1

    other = pb.ReportLifeEventRequest(request_id="lost-1", case_id=case.case_id, event=event)
    other.event.effective_date.day = 2
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await coordination.orchestrator.ReportLifeEvent(other)
    assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS

    report = (
        await coordination.orchestrator.GetBurdenReport(
            pb.GetBurdenReportRequest(case_id=case.case_id)
        )
    ).report
    lines = {line.question: line for line in report.lines}
    # Marketplace and Treasury would each have asked: one asked, one passed on.
    assert lines["change:income"].asked == 1 and lines["change:income"].shared == 1


async def test_bad_events_are_refused_field_by_field_and_others_cases_not_at_all(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    case = await _case(coordination, "rivera", "rivera-bad-events")

    async def refused(event: le.LifeEvent, stub=None) -> grpc.aio.AioRpcError:  # type: ignore[no-untyped-def]
        stub = stub or coordination.orchestrator
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.ReportLifeEvent(
                pb.ReportLifeEventRequest(request_id="bad", case_id=case.case_id, event=event)
            )
        return caught.value

    def fields(error: grpc.aio.AioRpcError) -> dict[str, str]:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
        return {v.field: v.description for v in details_of(error).violations}

    death = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_DEATH, effective_date=_date("2014-01-01"), person_id="sofia"
    )
    assert "before sofia's birth" in fields(await refused(death))["event.effective_date"]
    stranger = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_DEATH, effective_date=_date("2026-11-01"), person_id="nobody"
    )
    assert fields(await refused(stranger))["event.person_id"] == (
        f"is not a member of case {case.case_id}"
    )
    future = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_DEATH, effective_date=_date("2026-12-24"), person_id="jose"
    )
    assert "in the future" in fields(await refused(future))["event.effective_date"]
    far = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=_date("2027-03-01"),
        person_id="jose",
    )
    assert "60 days" in fields(await refused(far))["event.effective_date"]
    move = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_MOVE,
        effective_date=_date("2026-11-20"),
        new_address=household_pb2.Address(state_code="TX", county="Atlantis", line1="1 Main"),
    )
    assert "not a county of TX" in fields(await refused(move))["event.new_address.county"]
    milestone = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_AGE_MILESTONE,
        effective_date=_date("2026-11-02"),
        person_id="jose",
        age_reached=40,
    )
    assert "19, 26, 65" in fields(await refused(milestone))["event.age_reached"]

    intruder = coordination.stub_as("cw-other")
    denied = await refused(death, intruder)
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_ssa_death_reports_are_applied_to_every_case_once_as_the_system(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    from eligibility.ssa.v1 import identity_pb2 as ssa_pb

    first = await _case(coordination, "rivera", "rivera-death-1")
    second = await _case(coordination, "rivera", "rivera-death-2")
    other = await _case(coordination, "chen", "chen-no-death")
    follower = death_follower(coordination, clock)
    report = ssa_pb.DeathReport(sequence=7, ssn="412558302", death_date=_date("2026-11-10"))
    assert sorted(await follower.handle(report)) == sorted([first.case_id, second.case_id])
    assert await follower.cursor() == 7
    # Delivered again (a reconnect replays it): the person is no longer in those cases, and
    # nothing is changed twice.
    assert await follower.handle(report) == []
    for case in (first, second):
        shown = (
            await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))
        ).case
        assert "jose" not in {m.person_id for m in shown.household.members}
        assert [e.kind for e in shown.history].count(pb.CASE_EVENT_KIND_LIFE_EVENT) == 1
        # HHS and USDA told of the application, then every agency of the death.
        assert sorted(r.agency for r in _outbox(coordination, case.case_id)) == [
            "hhs",
            "hhs",
            "ssa",
            "treasury",
            "usda",
            "usda",
        ]
    untouched = (
        await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=other.case_id))
    ).case
    assert len(untouched.history) == 1


async def test_the_death_report_follower_waits_calmly_while_ssa_cannot_be_reached(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    """While SSA cannot be reached (or does not publish its death reports: UNIMPLEMENTED),
    the follower backs off, doubling its wait, and keeps going."""
    import asyncio

    follower = death_follower(coordination, clock, first_wait=1.0, longest_wait=4.0)
    await coordination.agencies["ssa"].stop()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 4:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await follower.run_forever(sleep)
    assert len(waits) == 4 and waits[-1] <= 4.0 * 1.2
    assert waits[0] < waits[2]
    assert await follower.cursor() == 0


async def test_a_raise_to_the_snap_minimum_is_explained_without_a_negative_amount(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    """Wei (one person, San Diego, $1,100 rent) gets a raise to $2,400 a month. FY2027: less
    the 20% earned income deduction ($480), the $217 standard deduction and $248.50 of excess
    shelter, net income is $1,454.50; 30% of it ($437) is more than the $306 one-person
    maximum, so the formula leaves nothing and the $25 minimum benefit applies."""
    case = await _case(coordination, "chen", "chen-raise")
    event = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
        effective_date=_date("2026-11-01"),
        person_id="wei",
        incomes=[
            household_pb2.Income(
                kind=household_pb2.INCOME_KIND_WAGES, annual_amount_cents=2_880_000
            )
        ],
    )
    reply = await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id="raise-1", case_id=case.case_id, event=event)
    )
    snap = next(c for c in reply.changes if c.program == det.PROGRAM_SNAP)
    assert snap.after_monthly_benefit_cents == 2_500
    assert "$-" not in snap.explanation
    assert "below the minimum" in snap.explanation
    assert "7 CFR 273.10(e)(2)(ii)(C)" in snap.explanation
    shown = next(p for p in reply.case.household_determinations if p.program == det.PROGRAM_SNAP)
    assert all("$-" not in r.message for r in shown.reasons)


async def test_the_death_of_the_only_member_closes_the_case_and_every_agency_is_told(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    """Nobody is left to determine: every program ends, the case closes, and SSA,
    Treasury, HHS and USDA each get the notice (HHS and USDA with the ended answers: USDA's
    allotment of record becomes the ended one, and HHS ends the enrollments it has held
    since the application). A closed case takes no further change."""
    from services.hhs.tables import Enrollment
    from services.usda.tables import SnapAllotment

    case = await _case(coordination, "chen", "chen-death")
    death = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_DEATH, effective_date=_date("2026-11-10"), person_id="wei"
    )
    reply = await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id="wei-died", case_id=case.case_id, event=death)
    )
    assert reply.case.status == pb.CASE_STATUS_CLOSED
    answers = [p for d in reply.case.determinations for p in d.programs]
    answers += list(reply.case.household_determinations)
    assert {p.program for p in answers} >= {det.PROGRAM_MEDICAID, det.PROGRAM_SNAP}
    ineligible = det.DETERMINATION_STATUS_INELIGIBLE
    assert all(p.status == ineligible and p.monthly_benefit_cents == 0 for p in answers)
    assert reply.changes and all(c.after_status == ineligible for c in reply.changes)
    assert all("died" in c.explanation for c in reply.changes)
    assert list(reply.notified_agencies) == ["ssa", "treasury", "hhs", "usda"]
    assert list(reply.offered_programs) == []
    assert [e.kind for e in reply.case.history][-1] == pb.CASE_EVENT_KIND_LIFE_EVENT

    dispatcher = notice_dispatcher(coordination, clock)
    await dispatch_all(dispatcher)
    shown = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    # The application's two notices and the death's four.
    assert [n.state for n in shown.notifications] == [pb.NOTIFICATION_STATE_ACKNOWLEDGED] * 6
    with coordination.databases["usda"].session() as session:
        allotment = session.get(SnapAllotment, case.case_id)
        assert allotment is not None
        assert (allotment.status, allotment.monthly_allotment_cents) == ("INELIGIBLE", 0)
    with coordination.databases["hhs"].session() as session:
        enrolled = list(session.exec(select(Enrollment)))
        # HHS held his enrollments from the application: each ends that day, by the death's
        # decision, with the standing it had.
        applied = {
            (
                det.Program.Name(p.program).removeprefix("PROGRAM_"),
                det.DeterminationStatus.Name(p.status).removeprefix("DETERMINATION_STATUS_"),
            )
            for d in case.determinations
            for p in d.programs
            if p.program != det.PROGRAM_SNAP
        }
        assert enrolled and {(e.program, e.status) for e in enrolled} == applied
        assert {(e.ended_on, e.ended_revision) for e in enrolled} == {(dt.date(2026, 11, 10), 2)}

    move = le.LifeEvent(
        kind=le.LIFE_EVENT_KIND_MOVE,
        effective_date=_date("2026-11-15"),
        new_address=household_pb2.Address(
            line1="1 Main St", city="Fresno", state_code="CA", county="Fresno", zip_code="93721"
        ),
    )
    for attempt in (
        coordination.orchestrator.ReportLifeEvent(
            pb.ReportLifeEventRequest(request_id="after", case_id=case.case_id, event=move)
        ),
        coordination.orchestrator.RenewCase(
            pb.RenewCaseRequest(request_id="renew", case_id=case.case_id, plan_year=2028)
        ),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await attempt
        info = details_of(refused.value)
        assert (info.code, info.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CASE_CLOSED")
    # The same report again gets the first answer.
    again = await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id="wei-died", case_id=case.case_id, event=death)
    )
    assert again == reply
