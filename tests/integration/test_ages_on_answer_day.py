"""Ages are taken on the day an answer starts to hold: an application made during its plan
year on its own day, one for a year not begun on 1 January (domain.answer_day).

Every case is the Rivera household of Houston (TX): household income 131.82% of the poverty
line. Texas covers children aged 6 to 18 in Medicaid up to 138% (42 CFR 435.118: children
under 19), so at that income Sofia is covered while 18; CHIP covers only children under 19
not eligible for Medicaid (42 CFR 457.310(b)(1)). Texas has not expanded Medicaid, so at 19,
as an adult who is not a parent, she has neither. Each birth date below puts her 19th
birthday between the day of application and the other candidate day, so taking her age on
the wrong day gives the other answer."""

from __future__ import annotations

import datetime as dt

import pytest

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from services.orchestrator import server as orchestrator_server
from shared.context import purpose
from shared.purposes import DETERMINATION

COVERED = (det.DETERMINATION_STATUS_ELIGIBLE, det.DETERMINATION_STATUS_CONDITIONAL)
APPLIED_AT = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)


def _rivera(request_id: str, plan_year: int, sofia_born: dt.date) -> pb.SubmitApplicationRequest:
    request = load_request(next(p for p in example_paths() if "rivera" in p.name), request_id)
    request.plan_year = plan_year
    sofia = next(m for m in request.household.members if m.person_id == "sofia")
    sofia.birth_date.CopyFrom(
        date_pb2.Date(year=sofia_born.year, month=sofia_born.month, day=sofia_born.day)
    )
    return request


def _sofia(case: pb.Case) -> dict[int, det.ProgramDetermination]:
    person = next(d for d in case.determinations if d.person_id == "sofia")
    return {p.program: p for p in person.programs}


def _is_child(case: pb.Case) -> bool:
    """Covered as a child: Medicaid (or CHIP) at this income, or neither as an adult."""
    programs = _sofia(case)
    medicaid, chip = programs[det.PROGRAM_MEDICAID], programs[det.PROGRAM_CHIP]
    if medicaid.status in COVERED:
        assert any("children aged 6 to 18" in r.message for r in medicaid.reasons)
        return True
    assert medicaid.status == det.DETERMINATION_STATUS_INELIGIBLE
    assert chip.status == det.DETERMINATION_STATUS_INELIGIBLE
    return False


@pytest.mark.parametrize(
    ("plan_year", "sofia_born", "child"),
    [
        # 18 on 1 January 2026, 19 on 30 November 2026: the year is under way, so 19.
        (2026, dt.date(2007, 6, 1), False),
        # 18 on both days (19 on 15 December 2026): a child.
        (2026, dt.date(2007, 12, 15), True),
        # 18 on 30 November 2026, 19 on 1 January 2027: the year has not begun, so 19.
        (2027, dt.date(2007, 12, 15), False),
        # 18 on 1 January 2027 (19 on 1 June 2027): a child for the coverage applied for.
        (2027, dt.date(2008, 6, 1), True),
    ],
    ids=["2026-turned-19-in-june", "2026-still-18", "2027-turns-19-before-january", "2027-18"],
)
async def test_a_first_application_takes_ages_on_the_day_its_answer_holds_from(  # type: ignore[no-untyped-def]
    coordination, clock, plan_year, sofia_born, child
) -> None:
    clock.set(APPLIED_AT)
    request = _rivera(f"ages-{plan_year}-{sofia_born}", plan_year, sofia_born)
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    assert case.plan_year == plan_year
    assert _is_child(case) is child


async def test_a_redetermination_later_in_the_year_changes_only_across_a_birthday(  # type: ignore[no-untyped-def]
    coordination, clock
) -> None:
    """Applied on 16 March 2026 for 2026, born 2007-06-01: 18, a child. Determined again in
    May (still 18) the answers are the same; again on 30 November (19 since 1 June) she is
    no longer a child. No other member has a birthday between March 16 and May 4 (Maria's
    is 14 March, Jose's 2 November, Mateo's 9 January), which would move the Marketplace
    premium's age rating."""
    clock.set(dt.datetime(2026, 3, 16, 15, 0, tzinfo=dt.UTC))
    request = _rivera("ages-recheck", 2026, dt.date(2007, 6, 1))
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    assert _is_child(case)
    keys = coordination.keys
    db = coordination.orchestrator_db
    coordinator = orchestrator_server.coordinator(
        db, coordination.gateway, clock, keys.signer(), keys.subject_key(), leases=clock
    )

    # What the follow-up worker does for a pending case: determine it again from what it
    # holds ("nothing changed"), asking the agencies for the determination's purpose.
    purpose.set(DETERMINATION)

    async def determined_again(at: dt.datetime) -> pb.Case:
        clock.set(at)
        await coordinator.recheck(case.case_id, "w1", lambda: 3.0)
        get = pb.GetCaseRequest(case_id=case.case_id)
        again = (await coordination.orchestrator.GetCase(get)).case
        assert again.history[-1].kind == pb.CASE_EVENT_KIND_RECHECKED
        return again

    in_may = await determined_again(dt.datetime(2026, 5, 4, 15, 0, tzinfo=dt.UTC))
    assert [(d.person_id, list(d.programs)) for d in in_may.determinations] == [
        (d.person_id, list(d.programs)) for d in case.determinations
    ]
    in_november = await determined_again(APPLIED_AT)
    assert not _is_child(in_november)
