"""What a new case's notices say, built without a server: which agencies are told, from
which day the answers hold, and the revision they and the case row start at."""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import household_pb2
from eligibility.common.v1 import life_event_pb2 as le
from services.orchestrator.adapters import mapping
from services.orchestrator.adapters.repository import StoredCase
from services.orchestrator.adapters.tables import CaseRow, DeterminationRow
from services.orchestrator.usecases.application_notices import first_notices

ELIGIBLE = "DETERMINATION_STATUS_ELIGIBLE"


def _row(person: str, program: str, cents: int = 0) -> DeterminationRow:
    return mapping.new_row(
        DeterminationRow,
        case_id="c1",
        person_id=person,
        program=program,
        status=ELIGIBLE,
        monthly_benefit_cents=cents,
        reasons="[]",
    )


def _case(plan_year: int, rows: list[DeterminationRow]) -> StoredCase:
    household = household_pb2.Household(
        members=[household_pb2.Person(person_id="ana"), household_pb2.Person(person_id="leo")]
    )
    case = mapping.new_row(
        CaseRow,
        case_id="c1",
        plan_year=plan_year,
        household=household.SerializeToString(),
    )
    return StoredCase(case=case, evidence=[], determinations=rows, issues=[])


def test_each_agency_running_one_of_the_cases_programs_is_told_its_answers() -> None:
    stored = _case(
        2026,
        [
            _row("ana", "PROGRAM_MEDICAID"),
            _row("leo", "PROGRAM_CHIP"),
            _row("", "PROGRAM_SNAP", 54_600),
        ],
    )
    told = first_notices(stored, dt.date(2026, 11, 25))
    assert [a for a, _ in told] == ["hhs", "usda"]
    for agency, notice in told:
        assert notice.kind == le.LIFE_EVENT_KIND_APPLIED
        assert notice.idempotency_key == f"c1:applied:{agency}"
        assert notice.revision == 1
        day = notice.effective_date
        assert (day.year, day.month, day.day) == (2026, 11, 25)
    hhs, usda = told[0][1], told[1][1]
    assert {d.person_id for d in hhs.determinations} == {"ana", "leo"}
    assert not hhs.household_determinations
    # SNAP's answer is the household's: every member is named.
    assert [s.person_id for s in usda.subjects] == ["ana", "leo"]
    assert [a.monthly_benefit_cents for a in usda.household_determinations] == [54_600]
    # The case row starts at the revision its notices carry; a later decision takes the next.
    assert stored.case.notice_revision == 1


def test_a_case_without_snap_tells_hhs_alone_and_a_year_not_begun_holds_from_january() -> None:
    stored = _case(2027, [_row("ana", "PROGRAM_MARKETPLACE", 31_000)])
    told = first_notices(stored, dt.date(2026, 11, 25))
    assert [a for a, _ in told] == ["hhs"]
    day = told[0][1].effective_date
    assert (day.year, day.month, day.day) == (2027, 1, 1)


def test_a_case_no_agency_runs_a_program_of_takes_no_revision() -> None:
    stored = _case(2026, [])
    assert first_notices(stored, dt.date(2026, 11, 25)) == []
    assert stored.case.notice_revision == 0
