"""The SNAP time limit for able-bodied adults without dependents (7 U.S.C. 2015(o) as
amended by P.L. 119-21 s.10102): ages, exemptions, countable months, the 80 hours that
keep eligibility, and the household without a member out of months."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from services.usda.rules import Expenses, Member, SnapFacts, determine, load_parameters
from services.usda.rules.time_limit import RULE
from shared.work_activity import WorkActivity

PARAMS = load_parameters()
MAR_2025 = dt.date(2025, 3, 1)  # FY2025, before P.L. 119-21
NOV_2026 = dt.date(2026, 11, 1)  # FY2027
TX = "TX"  # no BBCE assets issue; federal income tests apply to the figures below


def _adult(pid: str = "a", age: int = 40, months: int = 0, **kw) -> Member:  # type: ignore[no-untyped-def]
    hours = kw.pop("activity", {})
    return Member(
        pid, age, work_activity=WorkActivity(snap_countable_months_used=months, **hours), **kw
    )


def _run(*members: Member, month: dt.date = NOV_2026):  # type: ignore[no-untyped-def]
    return determine(SnapFacts(month, TX, members, Expenses(shelter_cents=60_000)), PARAMS)


def test_p_l_119_21_raised_the_ages_to_64_and_lowered_the_dependent_child_age_to_14() -> None:
    before = PARAMS.entry(RULE, MAR_2025)
    after = PARAMS.entry(RULE, dt.date(2025, 7, 4))
    assert (before.value["max_age"], before.value["dependent_child_under_age"]) == (54, 18)
    assert (after.value["min_age"], after.value["max_age"]) == (18, 64)
    assert after.value["dependent_child_under_age"] == 14
    assert (after.value["countable_months"], after.value["period_months"]) == (3, 36)
    assert after.value["monthly_hours"] == 80
    assert "P.L. 119-21 s.10102" in after.reference and "2015(o)" in after.reference
    assert "P.L. 118-5" in before.reference


def test_a_first_application_is_within_the_three_countable_months() -> None:
    result = _run(_adult())
    (limit,) = result.time_limits
    assert result.eligible and result.allotment_cents > 0
    assert (limit.limited, limit.remaining, limit.required_hours) == (True, 3, 80)
    assert limit.reason.code == "TIME_LIMIT_COUNTABLE_MONTH"
    assert "countable month 1 of 3" in limit.reason.message
    assert "80 hours a month" in limit.reason.message
    assert "P.L. 119-21 s.10102" in limit.reason.citation


def test_out_of_countable_months_a_lone_adult_is_not_eligible_until_working_80_hours() -> None:
    out = _run(_adult(months=3))
    working = _run(_adult(months=3, activity={"work_hours": 60, "community_service_hours": 20}))
    assert (out.eligible, out.household_size, out.time_limits[0].excluded) == (False, 0, True)
    assert out.time_limits[0].reason.code == "TIME_LIMIT_EXHAUSTED"
    assert working.eligible and working.time_limits[0].reason.code == "TIME_LIMIT_WORK_MET"


def test_school_hours_outside_a_work_program_do_not_count_as_work() -> None:
    result = _run(_adult(months=3, activity={"work_hours": 40, "education_hours": 40}))
    assert result.time_limits[0].excluded


def test_an_excluded_adults_income_still_counts_for_the_rest_of_the_household() -> None:
    partner = _adult("b", age=30, months=5, earned_cents=50_000)
    result = _run(_adult("a", unearned_cents=20_000), partner)
    assert result.household_size == 1
    assert result.gross_income_cents == 70_000
    assert "7 CFR 273.11(c)(1)" in result.time_limits[1].reason.citation


def test_a_child_under_14_exempts_the_adults_and_a_14_year_old_does_not() -> None:
    with_young = _run(_adult(months=3), Member("kid", 13))
    with_teen = _run(_adult(months=3), Member("kid", 14))
    assert with_young.time_limits[0].reason.code == "TIME_LIMIT_EXEMPT"
    assert with_young.household_size == 2
    assert with_teen.time_limits[0].excluded and with_teen.household_size == 1


def test_before_p_l_119_21_a_56_year_old_was_not_subject_and_a_15_year_old_exempted() -> None:
    assert _run(_adult(age=56, months=3), month=MAR_2025).time_limits == ()
    assert _run(_adult(age=56, months=3)).time_limits[0].excluded
    exempt = _run(_adult(months=3), Member("kid", 15), month=MAR_2025).time_limits[0]
    assert exempt.reason.code == "TIME_LIMIT_EXEMPT"


def test_pregnancy_disability_and_claimed_exemptions_exempt() -> None:
    assert not _run(_adult(months=3, pregnant=True)).time_limits[0].limited
    assert not _run(_adult(months=3, disabled=True)).time_limits[0].limited
    tribal = _adult(
        months=3, activity={"exemptions": frozenset({"american_indian_or_alaska_native"})}
    )
    assert _run(tribal).time_limits[0].reason.figures["exemptions"] == (
        "american_indian_or_alaska_native"
    )
    # Medically frail is Medicaid's exclusion; SNAP asks for medical unfitness to work.
    frail = _adult(months=3, activity={"exemptions": frozenset({"medically_frail"})})
    assert _run(frail).time_limits[0].excluded


@given(st.integers(0, 36), st.integers(0, 200), st.integers(18, 64))
def test_within_three_months_or_at_80_hours_no_one_is_excluded(months, hours, age) -> None:  # type: ignore[no-untyped-def]
    (limit,) = _run(_adult(age=age, months=months, activity={"work_hours": hours})).time_limits
    assert limit.excluded == (months >= 3 and hours < 80)
    assert limit.remaining == max(3 - months, 0)
