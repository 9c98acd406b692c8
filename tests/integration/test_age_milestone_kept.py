"""An age milestone, once reported, stays: a child who turns 19 in March loses children's
Medicaid from then, and neither a later recheck of the same plan year nor a renewal for
the next brings it back by taking the age again on an earlier day.

The rule: ages are taken on the day the period being determined starts, but never before
the day the determination is made within that period (a recheck in April of a 2027 case
takes the age in April), nor before a reported change took effect."""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from services.orchestrator import server as orchestrator_server
from services.orchestrator.usecases.follow_up import FollowUp

COVERED = (det.DETERMINATION_STATUS_ELIGIBLE, det.DETERMINATION_STATUS_CONDITIONAL)
# Sofia turns 19 on this day, inside plan year 2027.
BIRTHDAY = dt.date(2027, 3, 10)


def _status(case: pb.Case, person_id: str, program: int) -> int:
    person = next(d for d in case.determinations if d.person_id == person_id)
    return next(p.status for p in person.programs if p.program == program)


def _children_medicaid(case: pb.Case) -> tuple[int, int]:
    return (
        _status(case, "sofia", det.PROGRAM_MEDICAID),
        _status(case, "sofia", det.PROGRAM_CHIP),
    )


async def _case_after_milestone(coordination, clock) -> pb.Case:  # type: ignore[no-untyped-def]
    request = load_request(next(p for p in example_paths() if "rivera" in p.name), "rivera-19")
    sofia = next(m for m in request.household.members if m.person_id == "sofia")
    sofia.birth_date.CopyFrom(date_pb2.Date(year=2008, month=3, day=10))
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    # On 1 January 2027 she is 18: a child, covered in Texas at this income.
    assert _status(case, "sofia", det.PROGRAM_MEDICAID) in COVERED

    clock.set(dt.datetime(2027, 3, 20, 15, 0, tzinfo=dt.UTC))
    reply = await coordination.orchestrator.ReportLifeEvent(
        pb.ReportLifeEventRequest(
            request_id="sofia-turns-19",
            case_id=case.case_id,
            event=le.LifeEvent(
                kind=le.LIFE_EVENT_KIND_AGE_MILESTONE,
                effective_date=date_pb2.Date(
                    year=BIRTHDAY.year, month=BIRTHDAY.month, day=BIRTHDAY.day
                ),
                person_id="sofia",
                age_reached=19,
            ),
        )
    )
    # Texas has not expanded Medicaid: at 19 she is an adult without a child, not covered.
    assert _children_medicaid(reply.case)[0] not in COVERED
    return reply.case


async def test_a_recheck_later_in_the_year_keeps_the_milestone(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    after_event = await _case_after_milestone(coordination, clock)
    clock.set(dt.datetime(2027, 4, 15, 15, 0, tzinfo=dt.UTC))
    # Sofia's birth date differs from SSA's record, so the case waits on a follow-up.
    assert after_event.status == pb.CASE_STATUS_PENDING_VERIFICATION
    keys = coordination.keys
    db = coordination.orchestrator_db
    coordinator = orchestrator_server.coordinator(
        db, coordination.gateway, clock, keys.signer(), keys.subject_key(), leases=clock
    )
    # Retry waits run on real time; on the test's clock (months ahead) this one is due.
    worker = FollowUp(db, coordinator, clock, "w1", budget_seconds=3.0, leases=clock)
    assert (await worker.run_once()).claimed == 1
    rechecked = (
        await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=after_event.case_id))
    ).case
    assert rechecked.history[-1].kind == pb.CASE_EVENT_KIND_RECHECKED
    assert _children_medicaid(rechecked) == _children_medicaid(after_event)


async def test_a_renewal_for_the_next_year_keeps_the_milestone(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    after_event = await _case_after_milestone(coordination, clock)
    clock.set(dt.datetime(2027, 11, 20, 15, 0, tzinfo=dt.UTC))
    renewed = await coordination.orchestrator.RenewCase(
        pb.RenewCaseRequest(request_id="renew-2028", case_id=after_event.case_id, plan_year=2028)
    )
    assert renewed.case.plan_year == 2028
    assert _children_medicaid(renewed.case)[0] not in COVERED
    assert _children_medicaid(renewed.case)[1] not in COVERED
