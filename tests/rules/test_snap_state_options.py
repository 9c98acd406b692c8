"""State options: utility allowances by size and region, the energy-assistance route and
its 2025 limit, BBCE limits for elderly or disabled households, the net test under BBCE,
and self-employment costs. Figures from services/usda/parameters/state_options.yaml and
utility_allowances_by_size_and_region.yaml, each cited there."""

from __future__ import annotations

import datetime as dt

from services.usda.rules import (
    Determination,
    Expenses,
    Member,
    SnapFacts,
    determine,
    load_parameters,
)

PARAMS = load_parameters()
MARCH_2025 = dt.date(2025, 3, 1)  # FY2025, before P.L. 119-21
NOV_2025 = dt.date(2025, 11, 1)  # FY2026


def codes(result: Determination) -> list[str]:
    return [r.code for r in result.reasons]


def reason(result: Determination, code: str):  # type: ignore[no-untyped-def]
    return next(r for r in result.reasons if r.code == code)


def sua_cents(result: Determination) -> str:
    return reason(result, "EXCESS_SHELTER_DEDUCTION").figures["utility_allowance_cents"]


HEAT = Expenses(shelter_cents=50_000, pays_heating_or_cooling=True)


def test_arizona_sets_its_utility_allowance_by_household_size() -> None:
    # FNS FY2026 SUA table: Arizona $323 for 1-3 people, $438 for 4 or more.
    one = determine(SnapFacts(NOV_2025, "AZ", (Member("a", 30),), HEAT), PARAMS)
    four = determine(
        SnapFacts(NOV_2025, "AZ", tuple(Member(f"m{i}", 30) for i in range(4)), HEAT), PARAMS
    )
    assert (sua_cents(one), sua_cents(four)) == ("32300", "43800")


def test_alaska_and_new_york_utility_allowances_follow_the_region_given() -> None:
    # FNS FY2026 SUA table: Alaska northwest $1,107, southcentral $591; New York rest of
    # state $877, New York City $1,062 (the default).
    def sua(state: str, region: str) -> str:
        facts = SnapFacts(NOV_2025, state, (Member("a", 30),), HEAT, utility_region=region)
        return sua_cents(determine(facts, PARAMS))

    assert sua("AK", "AK_NW") == "110700" and sua("AK", "") == "59100"
    assert sua("NY", "NY_ONY") == "87700" and sua("NY", "") == "106200"


def test_energy_assistance_confers_the_allowance_only_with_an_elderly_or_disabled_member_since_july_2025() -> (
    None
):
    assisted = Expenses(shelter_cents=50_000, received_energy_assistance=True)
    young = (Member("a", 30),)
    elderly = (Member("a", 70),)
    before = determine(SnapFacts(MARCH_2025, "CA", young, assisted), PARAMS)
    assert "ENERGY_ASSISTANCE_CONFERS_SUA" in codes(before) and sua_cents(before) != "0"
    after = determine(SnapFacts(NOV_2025, "CA", young, assisted), PARAMS)
    assert "ENERGY_ASSISTANCE_SUA_LIMITED" in codes(after) and sua_cents(after) == "0"
    limited = reason(after, "ENERGY_ASSISTANCE_SUA_LIMITED")
    assert "P.L. 119-21 s.10103" in limited.citation
    older = determine(SnapFacts(NOV_2025, "CA", elderly, assisted), PARAMS)
    assert "ENERGY_ASSISTANCE_CONFERS_SUA" in codes(older) and sua_cents(older) != "0"


def test_energy_assistance_gives_no_allowance_where_the_state_does_not_confer_it() -> None:
    assisted = Expenses(shelter_cents=50_000, received_energy_assistance=True)
    result = determine(SnapFacts(NOV_2025, "TN", (Member("a", 70),), assisted), PARAMS)
    assert "ENERGY_ASSISTANCE_DOES_NOT_CONFER_SUA" in codes(result)
    assert sua_cents(result) == "0"


def test_idaho_sets_no_bbce_gross_limit_for_elderly_or_disabled_households() -> None:
    """Idaho: BBCE at 130% for other households, no gross limit for elderly or disabled
    ones, which keep the net income test."""
    rich_elder = (Member("a", 70, unearned_cents=900_000),)
    result = determine(SnapFacts(NOV_2025, "ID", rich_elder), PARAMS)
    assert result.categorically_eligible
    assert (
        "no gross income limit for households with an elderly"
        in reason(result, "CATEGORICALLY_ELIGIBLE_BBCE").message
    )
    assert "NET_INCOME_ABOVE_LIMIT" in codes(result) and not result.eligible


def test_a_state_that_keeps_the_net_test_under_bbce_applies_it() -> None:
    """Hawaii keeps the net income test for BBCE households; California does not. One
    adult, $2,500 unearned: within both states' 200% limits, above the net standard."""
    members = (Member("a", 30, unearned_cents=250_000),)
    hawaii = determine(SnapFacts(NOV_2025, "HI", members), PARAMS)
    assert hawaii.categorically_eligible and not hawaii.eligible
    assert "NET_INCOME_ABOVE_LIMIT" in codes(hawaii)
    california = determine(SnapFacts(NOV_2025, "CA", members), PARAMS)
    assert "NET_INCOME_TEST_NOT_APPLIED" in codes(california)


def test_self_employment_takes_the_larger_of_the_state_standard_and_documented_costs() -> None:
    """California's standard deduction is 40% of receipts; actual costs may be claimed."""

    def earned(costs: int) -> str:
        member = Member(
            "a", 30, self_employment_gross_cents=100_000, self_employment_costs_cents=costs
        )
        result = determine(SnapFacts(NOV_2025, "CA", (member,)), PARAMS)
        return reason(result, "SELF_EMPLOYMENT_COSTS_DEDUCTED").figures[
            "self_employment_earned_cents"
        ]

    assert earned(30_000) == "60000"  # 40% standard beats $300 of costs
    assert earned(55_000) == "45000"  # documented $550 beats the standard


def test_oklahoma_allows_only_its_standard_self_employment_deduction() -> None:
    member = Member(
        "a", 30, self_employment_gross_cents=100_000, self_employment_costs_cents=90_000
    )
    result = determine(SnapFacts(NOV_2025, "OK", (member,)), PARAMS)
    figures = reason(result, "SELF_EMPLOYMENT_COSTS_DEDUCTED").figures
    assert figures["self_employment_deduction_cents"] == "50000"
