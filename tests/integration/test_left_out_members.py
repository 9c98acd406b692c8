"""A decision that leaves a member out of a case (a death, a spouse who left with a
separation, a death SSA reported) ends what HHS holds for them from the change's day,
keeping the record, ended; the members still in the case hold the new answers, at HHS and
USDA alike. Every agency on its own server over gRPC, the notices written by the
orchestrator and delivered by its dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.ssa.v1 import identity_pb2 as ssa_pb
from services.hhs.tables import Enrollment, HhsReceivedChange
from services.orchestrator.adapters.tables import OutboxRow
from tests.integration.death_reports import death_follower
from tests.integration.notices import (
    agency_answers,
    case_answers,
    dispatch_all,
    get_case,
    open_case,
)
from tests.integration.notices import dispatcher as notice_dispatcher

K = le.LifeEventKind
RAISED_ON = dt.date(2026, 10, 1)
LEFT_ON = dt.date(2026, 11, 10)


def _date(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


async def _report(coordination: Any, case_id: str, request_id: str, event: le.LifeEvent) -> None:
    await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id=request_id, case_id=case_id, event=event)
    )


async def _raise(coordination: Any, case_id: str, person_id: str, cents: int) -> None:
    """A change that tells HHS and USDA every member's answers: their first records."""
    await _report(
        coordination,
        case_id,
        f"raise-{person_id}",
        le.LifeEvent(
            kind=K.LIFE_EVENT_KIND_INCOME_CHANGE,
            effective_date=_date(RAISED_ON),
            person_id=person_id,
            incomes=[
                household_pb2.Income(
                    kind=household_pb2.INCOME_KIND_WAGES, annual_amount_cents=cents
                )
            ],
        ),
    )


def _enrollments(coordination: Any, case_id: str) -> dict[tuple[str, str], Enrollment]:
    with coordination.databases["hhs"].session() as session:
        rows = session.exec(select(Enrollment).where(Enrollment.case_id == case_id)).all()
    return {(r.person_id, r.program): r for r in rows}


def _told_hhs(coordination: Any, case_id: str) -> list[le.ChangeNotice]:
    with coordination.orchestrator_db.session() as session:
        rows = session.exec(
            select(OutboxRow)
            .where(OutboxRow.case_id == case_id, OutboxRow.agency == "hhs")
            .order_by(OutboxRow.id)  # type: ignore[arg-type]
        ).all()
    return [le.ChangeNotice.FromString(r.notice) for r in rows]


def _acks(coordination: Any, case_id: str) -> list[str]:
    with coordination.databases["hhs"].session() as session:
        rows = session.exec(
            select(HhsReceivedChange)
            .where(HhsReceivedChange.case_id == case_id)
            .order_by(HhsReceivedChange.id)  # type: ignore[arg-type]
        ).all()
    return [r.detail for r in rows]


def _assert_ended(
    held: dict[tuple[str, str], Enrollment],
    person_id: str,
    before: dict[tuple[str, str], Enrollment],
    on: dt.date,
) -> None:
    """Every enrollment HHS held for the person is still there, with the standing it had,
    ended on ``on`` by the case's newest decision."""
    theirs = {key: row for key, row in held.items() if key[0] == person_id}
    assert set(theirs) == {key for key in before if key[0] == person_id}, theirs
    for key, row in theirs.items():
        was = before[key]
        assert (row.status, row.monthly_benefit_cents, row.effective_date, row.revision) == (
            was.status,
            was.monthly_benefit_cents,
            was.effective_date,
            was.revision,
        ), key
        assert row.ended_on == on, key
        assert row.ended_revision > was.revision, key


async def test_a_member_who_died_is_no_longer_enrolled_and_hhs_keeps_the_record_ended(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    case, _ = await open_case(coordination.orchestrator, "rivera", "rivera-mateo-dies")
    dispatcher = notice_dispatcher(coordination, clock)
    await _raise(coordination, case.case_id, "maria", 2_500_000)
    await dispatch_all(dispatcher)
    before = _enrollments(coordination, case.case_id)
    assert before[("mateo", "MEDICAID")].status == "ELIGIBLE"
    assert before[("sofia", "MEDICAID")].status == "ELIGIBLE"

    died = le.LifeEvent(
        kind=K.LIFE_EVENT_KIND_DEATH, effective_date=_date(LEFT_ON), person_id="mateo"
    )
    await _report(coordination, case.case_id, "mateo-died", died)
    await dispatch_all(dispatcher)

    # The orchestrator names him as left out; his answers are no longer in the notice.
    latest_notice = _told_hhs(coordination, case.case_id)[-1]
    assert list(latest_notice.left_person_ids) == ["mateo"]
    assert "mateo" not in {d.person_id for d in latest_notice.determinations}

    held = _enrollments(coordination, case.case_id)
    _assert_ended(held, "mateo", before, LEFT_ON)
    latest = await get_case(coordination, case.case_id)
    # What stands at each agency is the case's newest answers: the others', and SNAP's for
    # the three left.
    assert agency_answers(coordination, case.case_id) == case_answers(latest)
    assert held[("sofia", "MEDICAID")].ended_on is None
    assert (
        "Medicaid ended for 1 person left out of the case" in _acks(coordination, case.case_id)[-1]
    )


async def test_a_spouse_who_leaves_with_a_separation_is_no_longer_enrolled(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    case, _ = await open_case(coordination.orchestrator, "okafor", "okafor-separation")
    dispatcher = notice_dispatcher(coordination, clock)
    await _raise(coordination, case.case_id, "adaeze", 5_000_000)
    await dispatch_all(dispatcher)
    before = _enrollments(coordination, case.case_id)
    assert {p for p, _ in before} == {"adaeze", "chidi"}

    separated = le.LifeEvent(
        kind=K.LIFE_EVENT_KIND_SEPARATION,
        effective_date=_date(LEFT_ON),
        person_id="adaeze",
        departing_person_ids=["chidi"],
    )
    await _report(coordination, case.case_id, "chidi-left", separated)
    await dispatch_all(dispatcher)

    held = _enrollments(coordination, case.case_id)
    _assert_ended(held, "chidi", before, LEFT_ON)
    assert all(row.ended_on is None for (p, _), row in held.items() if p == "adaeze")
    latest = await get_case(coordination, case.case_id)
    assert agency_answers(coordination, case.case_id)["hhs"] == case_answers(latest)["hhs"]


async def test_a_death_ssa_reports_ends_the_enrollment_at_every_agency_concerned(
    coordination, clock
) -> None:  # type: ignore[no-untyped-def]
    family, _ = await open_case(coordination.orchestrator, "rivera", "rivera-jose-dies")
    single, _ = await open_case(coordination.orchestrator, "chen", "chen-wei-dies")
    dispatcher = notice_dispatcher(coordination, clock)
    await _raise(coordination, family.case_id, "maria", 2_500_000)
    await _raise(coordination, single.case_id, "wei", 2_000_000)
    await dispatch_all(dispatcher)
    family_before = _enrollments(coordination, family.case_id)
    single_before = _enrollments(coordination, single.case_id)
    snap_before = agency_answers(coordination, family.case_id)["usda"]
    assert {p for p, _ in single_before} == {"wei"}

    follower = death_follower(coordination, clock)
    for sequence, ssn in ((1, "412558302"), (2, "523110042")):  # Jose Rivera, Wei Chen
        report = ssa_pb.DeathReport(sequence=sequence, ssn=ssn, death_date=_date(LEFT_ON))
        assert len(await follower.handle(report)) == 1
    await dispatch_all(dispatcher)

    for case in (family, single):
        shown = await get_case(coordination, case.case_id)
        assert {(n.agency, n.state) for n in shown.notifications} == {
            (agency, pb.NOTIFICATION_STATE_ACKNOWLEDGED)
            for agency in ("ssa", "treasury", "hhs", "usda")
        }
    _assert_ended(_enrollments(coordination, family.case_id), "jose", family_before, LEFT_ON)
    latest = await get_case(coordination, family.case_id)
    assert agency_answers(coordination, family.case_id) == case_answers(latest)
    assert agency_answers(coordination, family.case_id)["usda"] != snap_before

    # Wei was the only member: the case closed, and nothing of his stands at HHS or USDA.
    closed = await get_case(coordination, single.case_id)
    assert closed.status == pb.CASE_STATUS_CLOSED
    _assert_ended(_enrollments(coordination, single.case_id), "wei", single_before, LEFT_ON)
    standing = agency_answers(coordination, single.case_id)
    assert standing["hhs"] == set()
    assert {(status, cents) for *_, status, cents in standing["usda"]} == {
        ("DETERMINATION_STATUS_INELIGIBLE", 0)
    }
