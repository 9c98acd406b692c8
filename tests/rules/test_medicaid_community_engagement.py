"""Medicaid community engagement (P.L. 119-21 s.71119, 42 U.S.C. 1396a(xx)): who is
subject, what meets it, who is excluded, and from when. Figures with their citations."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from services.hhs.benchmarks import Benchmark, BenchmarkTable
from services.hhs.community_engagement import RULE
from services.hhs.facts import (
    Citizenship,
    FilingStatus,
    HouseholdFacts,
    Member,
    Relation,
    Relationship,
    TaxUnit,
)
from services.hhs.results import Program, ProgramResult, Status
from services.hhs.rules import determine, load_parameters
from shared.work_activity import WorkActivity

PARAMS = load_parameters()
TODAY = dt.date(2026, 11, 25)
BENCHMARKS = BenchmarkTable(
    Benchmark(year, "CA", "Test", 50_000, 40, "test figure") for year in (2026, 2027)
)
# Within California's 138% limit for the adult group in 2026 and 2027 alike.
MAGI = 1_500_000


def _medicaid(year: int = 2027, age: int = 30, **kw) -> ProgramResult:  # type: ignore[no-untyped-def]
    member = Member("p", age, citizenship=Citizenship.CITIZEN, annual_magi_cents=MAGI, **kw)
    facts = HouseholdFacts(
        year, "CA", "Test", (member,), (), (TaxUnit("t", FilingStatus.SINGLE, ("p",)),), TODAY
    )
    return determine(facts, PARAMS, BENCHMARKS).person("p").program(Program.MEDICAID)


def _engagement(result: ProgramResult):  # type: ignore[no-untyped-def]
    found = [r for r in result.reasons if r.code.startswith("COMMUNITY_ENGAGEMENT")]
    return found[0] if found else None


def test_the_requirement_is_80_hours_or_80_hours_at_minimum_wage_from_2027_with_its_citation() -> (
    None
):
    before = PARAMS.entry(RULE, dt.date(2026, 12, 31))
    entry = PARAMS.entry(RULE, dt.date(2027, 1, 1))
    assert before.value == {"in_force": False}
    assert entry.effective_from == dt.date(2027, 1, 1)
    assert (entry.value["monthly_hours"], entry.value["minimum_wage_cents_per_hour"]) == (80, 725)
    assert "s.71119" in entry.reference and "1396a(xx)" in entry.reference
    assert "29 U.S.C. 206(a)(1)(C)" in entry.reference


def test_an_adult_in_the_adult_group_who_reports_no_activity_is_told_what_is_needed() -> None:
    result = _medicaid()
    reason = _engagement(result)
    assert result.status is Status.INELIGIBLE
    assert reason.code == "COMMUNITY_ENGAGEMENT_NOT_MET"
    assert "1396a(xx)" in reason.citation
    assert reason.figures["required_monthly_hours"] == "80"
    assert reason.figures["required_monthly_earnings_cents"] == "58000"
    assert "80 hours a month" in reason.message and "$580.00" in reason.message


def test_80_hours_of_work_and_service_together_meet_it_and_79_do_not() -> None:
    met = _medicaid(work_activity=WorkActivity(work_hours=50, community_service_hours=30))
    short = _medicaid(work_activity=WorkActivity(work_hours=50, education_hours=29))
    assert (met.status, _engagement(met).code) == (Status.ELIGIBLE, "COMMUNITY_ENGAGEMENT_MET")
    assert "keeps Medicaid" in _engagement(met).message
    assert (short.status, _engagement(short).figures["hours_short"]) == (Status.INELIGIBLE, "1")


def test_earnings_of_80_hours_at_the_federal_minimum_wage_meet_it() -> None:
    assert _medicaid(monthly_earned_income_cents=58_000).status is Status.ELIGIBLE
    assert _medicaid(monthly_earned_income_cents=57_999).status is Status.INELIGIBLE


def test_half_time_school_meets_it() -> None:
    result = _medicaid(work_activity=WorkActivity(exemptions=frozenset({"student_half_time"})))
    assert (result.status, _engagement(result).figures["met_by"]) == (
        Status.ELIGIBLE,
        "student_half_time",
    )


def test_excluded_people_keep_medicaid_and_are_told_the_exclusion_must_hold_at_renewal() -> None:
    for exemption in ("medically_frail", "former_foster_youth", "in_treatment"):
        result = _medicaid(work_activity=WorkActivity(exemptions=frozenset({exemption})))
        reason = _engagement(result)
        assert (result.status, reason.code) == (Status.ELIGIBLE, "COMMUNITY_ENGAGEMENT_EXEMPT")
        assert reason.figures["exemptions"] == exemption
    disabled = _medicaid(disabled=True)
    assert _engagement(disabled).figures["exemptions"] == "medically_frail"


def test_an_exemption_only_snap_knows_does_not_excuse_medicaid() -> None:
    # Receiving unemployment exempts from SNAP's work rules, not from 1396a(xx).
    result = _medicaid(work_activity=WorkActivity(exemptions=frozenset({"receiving_unemployment"})))
    assert result.status is Status.INELIGIBLE


def test_before_2027_and_outside_the_adult_group_nobody_is_subject() -> None:
    assert _engagement(_medicaid(year=2026)) is None
    assert _medicaid(year=2026).status is Status.ELIGIBLE
    # A pregnant person is in the pregnancy group (42 CFR 435.116), not the adult group.
    pregnant = _medicaid(pregnant=True)
    assert (pregnant.status, _engagement(pregnant)) == (Status.ELIGIBLE, None)
    assert _engagement(_medicaid(age=66)) is None


@given(
    st.integers(0, 200),
    st.integers(0, 200),
    st.integers(0, 200),
    st.integers(0, 200),
    st.integers(0, 50),
)
def test_more_hours_never_cost_an_adult_medicaid(work, service, program, school, more) -> None:  # type: ignore[no-untyped-def]
    def status(extra: int) -> Status:
        activity = WorkActivity(work + extra, service, program, school, reported=True)
        return _medicaid(work_activity=activity).status

    base, raised = status(0), status(more)
    assert not (base is Status.ELIGIBLE and raised is Status.INELIGIBLE)
    assert (base is Status.ELIGIBLE) == (work + service + program + school >= 80)


def test_a_guardian_claiming_a_child_of_13_or_under_is_excluded_and_of_14_is_not() -> None:
    def medicaid_with_child(child_age: int) -> ProgramResult:
        adult = Member("p", 30, citizenship=Citizenship.CITIZEN, annual_magi_cents=MAGI)
        child = Member("c", child_age, citizenship=Citizenship.CITIZEN, applying=False)
        facts = HouseholdFacts(
            2027,
            "CA",
            "Test",
            (adult, child),
            # Not a relative, so not a caretaker relative (42 CFR 435.110): the adult group.
            (Relationship("p", "c", Relation.UNRELATED),),
            (TaxUnit("t", FilingStatus.HEAD_OF_HOUSEHOLD, ("p",), ("c",)),),
            TODAY,
        )
        return determine(facts, PARAMS, BENCHMARKS).person("p").program(Program.MEDICAID)

    young, older = medicaid_with_child(13), medicaid_with_child(14)
    assert _engagement(young).figures["exemptions"] == "caretaker_of_young_child"
    assert young.status is Status.ELIGIBLE
    assert _engagement(older).code == "COMMUNITY_ENGAGEMENT_NOT_MET"
