"""Whole SNAP determinations worked by hand, the first one USDA's own.

Each test names the figures it relies on; their sources are in
services/usda/parameters and checked in test_snap_published_figures.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from services.usda.rules import (
    Determination,
    Expenses,
    Member,
    SnapFacts,
    determine,
    load_parameters,
)

PARAMS = load_parameters()
NOV_2025 = dt.date(2025, 11, 1)  # FY2026
NOV_2026 = dt.date(2026, 11, 1)  # FY2027


def codes(result: Determination) -> list[str]:
    return [r.code for r in result.reasons]


def reason(result: Determination, code: str):  # type: ignore[no-untyped-def]
    return next(r for r in result.reasons if r.code == code)


def test_usda_elderly_couple_example_gets_434_dollars() -> None:
    """FNS, "SNAP Special Rules for the Elderly or Disabled" (fns.usda.gov/snap/eligibility/
    elderly-disabled-special-rules), FY2027 figures: an elderly couple with $1,200 a month of
    income and $300 of deductible medical costs (costs above the $35 threshold). Standard
    deduction $217 leaves $683 after medical; shelter costs of $600 exceed half of that
    ($341.50) by $258.50, uncapped for an elderly household; net income $424.50; 30% is
    $127.35, rounded up to $128; the two-person maximum $562 less $128 is $434."""
    facts = SnapFacts(
        NOV_2026,
        "MO",  # no broad-based categorical eligibility: the federal tests apply
        (Member("a", 68, unearned_cents=60_000), Member("b", 70, unearned_cents=60_000)),
        Expenses(shelter_cents=60_000, medical_cents=33_500),
    )
    result = determine(facts, PARAMS)
    assert result.eligible
    assert result.net_income_cents == 42_450
    assert result.allotment_cents == 43_400
    assert (
        reason(result, "EXCESS_SHELTER_DEDUCTION").figures["excess_shelter_deduction_cents"]
        == "25850"
    )
    assert reason(result, "ALLOTMENT_COMPUTED").figures["expected_contribution_cents"] == "12800"
    assert "GROSS_INCOME_TEST_EXEMPT" in codes(result)


def test_working_family_of_four_with_capped_shelter_deduction() -> None:
    """FY2026, Tennessee (no BBCE): earnings $2,400 pass the $3,483 gross limit. Less 20%
    ($480), the standard deduction ($223) and child care ($200): $1,497. Rent $1,100 plus
    Tennessee's heating/cooling SUA for four ($503; Tennessee sets it by household size)
    exceeds half of $1,497 by $854.50, capped at $744. Net $753 passes the $2,680 net limit; 30% rounds up to $226; $994 - $226 = $768."""
    facts = SnapFacts(
        NOV_2025,
        "TN",
        (
            Member("p1", 35, earned_cents=240_000),
            Member("p2", 33),
            Member("c1", 8),
            Member("c2", 5),
        ),
        Expenses(shelter_cents=110_000, pays_heating_or_cooling=True, dependent_care_cents=20_000),
    )
    result = determine(facts, PARAMS)
    shelter = reason(result, "EXCESS_SHELTER_DEDUCTION").figures
    assert shelter["utility_allowance_cents"] == "50300"
    assert shelter["excess_shelter_uncapped_cents"] == "85450"
    assert shelter["excess_shelter_deduction_cents"] == "74400"
    assert (result.eligible, result.net_income_cents, result.allotment_cents) == (
        True,
        75_300,
        76_800,
    )
    assert codes(result)[:3] == [
        "HOUSEHOLD_COMPOSITION",
        "NO_BROAD_BASED_CATEGORICAL_ELIGIBILITY",
        "GROSS_INCOME_WITHIN_LIMIT",
    ]


def test_bbce_admits_a_household_the_federal_gross_test_would_refuse() -> None:
    """FY2027, California (BBCE at 200%): earnings $3,500 for three exceed the $2,960 gross
    limit but not 200% of the $2,277 poverty line ($4,554). Net: $3,500 - $700 - $217 =
    $2,583; rent $1,500 plus California's SUA ($663, the FY2026 figure, the latest loaded)
    less half of $2,583 is $871.50, capped at $769; net $1,814. 30% is $544.20, so $545;
    $808 - $545 = $263. The same household in Tennessee is refused at the gross test."""
    members = (Member("p", 30, earned_cents=350_000), Member("c1", 6), Member("c2", 3))
    expenses = Expenses(shelter_cents=150_000, pays_heating_or_cooling=True)
    california = determine(SnapFacts(NOV_2026, "CA", members, expenses), PARAMS)
    assert california.categorically_eligible
    assert (california.eligible, california.net_income_cents) == (True, 181_400)
    assert california.allotment_cents == 26_300
    shelter = reason(california, "EXCESS_SHELTER_DEDUCTION")
    assert shelter.figures["utility_allowance_in_force_since"] == "2025-10-01"
    carried = reason(california, "STATE_FIGURE_CARRIED_FORWARD")
    assert carried.message.startswith("FY2026 utility allowance carried forward")
    assert carried.figures["figure_fiscal_year"] == "2026"

    tennessee = determine(SnapFacts(NOV_2026, "TN", members, expenses), PARAMS)
    assert not tennessee.eligible and tennessee.allotment_cents == 0
    assert "GROSS_INCOME_ABOVE_LIMIT" in codes(tennessee)


def test_elderly_person_above_the_gross_limit_gets_the_minimum_benefit() -> None:
    """FY2026, Missouri: $1,800 of Social Security is above the $1,696 gross limit, which an
    elderly household does not take. $1,800 - $209 - ($200 - $35) = $1,426; rent $900 less
    half of that ($713) gives $187, uncapped. Net $1,239 is within $1,305. 30% rounds up to
    $372, more than the $298 maximum, so the one-person household gets the $24 minimum."""
    facts = SnapFacts(
        NOV_2025,
        "MO",
        (Member("s", 72, unearned_cents=180_000),),
        Expenses(shelter_cents=90_000, medical_cents=20_000),
    )
    result = determine(facts, PARAMS)
    assert (result.eligible, result.net_income_cents, result.allotment_cents) == (
        True,
        123_900,
        2_400,
    )
    assert "MINIMUM_BENEFIT_APPLIED" in codes(result)


def test_net_income_above_the_limit_is_ineligible() -> None:
    """FY2026, Tennessee: $2,200 of unearned income for two passes the $2,292 gross limit,
    but less the $209 standard deduction leaves $1,991, above the $1,763 net limit."""
    facts = SnapFacts(
        NOV_2025, "TN", (Member("a", 40, unearned_cents=220_000), Member("b", 12)), Expenses()
    )
    result = determine(facts, PARAMS)
    assert not result.eligible and result.allotment_cents == 0
    assert "NET_INCOME_ABOVE_LIMIT" in codes(result)
    assert "ALLOTMENT_COMPUTED" not in codes(result)


def test_categorically_eligible_family_of_three_with_no_benefit_is_not_certified() -> None:
    """FY2027, California: $4,500 for three is within 200% of poverty ($4,554), but 30% of
    the $4,283 net income ($1,285) exceeds the $808 maximum."""
    facts = SnapFacts(
        NOV_2026,
        "CA",
        (Member("a", 30, unearned_cents=450_000), Member("b", 4), Member("c", 2)),
    )
    result = determine(facts, PARAMS)
    assert result.categorically_eligible and not result.eligible
    assert "NO_BENEFIT_PAYABLE" in codes(result)


def test_minimum_benefit_in_fy2027_is_25_dollars() -> None:
    """FY2027, Missouri: $1,167 for one, less $217, is $950 net; 30% is $285; $306 - $285 =
    $21, below the $25 minimum benefit."""
    facts = SnapFacts(NOV_2026, "MO", (Member("a", 45, unearned_cents=116_700),))
    result = determine(facts, PARAMS)
    assert result.net_income_cents == 95_000
    assert result.allotment_cents == 2_500


def test_homeless_household_takes_the_homeless_shelter_deduction() -> None:
    """FY2027: $800 for one, less $217, is $583; with no shelter costs the homeless shelter
    deduction of $205.66 leaves $377.34; 30% is $113.20, so $114; $306 - $114 = $192."""
    facts = SnapFacts(
        NOV_2026, "MO", (Member("a", 50, unearned_cents=80_000),), Expenses(homeless=True)
    )
    result = determine(facts, PARAMS)
    assert result.net_income_cents == 37_734
    assert result.allotment_cents == 19_200
    assert "HOMELESS_SHELTER_DEDUCTION" in codes(result)


def test_alaska_minimum_benefit_is_derived_when_not_published() -> None:
    """FY2026, Alaska: FNS's Alaska minimum benefit is not loaded, so it is 8% of the $385
    Urban one-person maximum, $30.80, rounded to $31 (7 U.S.C. 2017(a)). $1,600 less the
    $358 Alaska standard deduction is $1,242; 30% rounds up to $373; $385 - $373 = $12."""
    facts = SnapFacts(NOV_2025, "AK", (Member("a", 45, unearned_cents=160_000),))
    result = determine(facts, PARAMS)
    assert result.eligible and result.allotment_cents == 3_100
    assert "MINIMUM_BENEFIT_DERIVED" in codes(result)


def test_alaska_rural_family_in_fy2027_gets_the_rural_1_allotment() -> None:
    """FY2027, Alaska Rural 1, utility region southwest: a parent earning $3,000 and two
    children. $3,000 less 20% ($600) and Alaska's standard deduction ($371) is $2,029.
    Rent $1,400 plus the southwest SUA ($1,064, the FY2026 figure carried forward) less half
    of $2,029 is $1,449.50, capped at Alaska's $1,229; net $800. 30% is $240; Rural 1's
    maximum for three, $1,316, less $240 is $1,076. In Urban the same family gets $792."""
    members = (Member("p", 35, earned_cents=300_000), Member("c1", 8), Member("c2", 4))
    expenses = Expenses(shelter_cents=140_000, pays_heating_or_cooling=True)
    rural = determine(
        SnapFacts(NOV_2026, "AK", members, expenses, alaska_area="rural_1", utility_region="AK_SW"),
        PARAMS,
    )
    assert (rural.eligible, rural.net_income_cents, rural.allotment_cents) == (
        True,
        80_000,
        107_600,
    )
    assert rural.alaska_area == "rural_1"
    area = reason(rural, "ALASKA_ALLOTMENT_AREA")
    assert area.figures["max_allotment_cents"] == "131600" and "Rural 1" in area.message
    shelter = reason(rural, "EXCESS_SHELTER_DEDUCTION").figures
    assert (shelter["utility_allowance_cents"], shelter["excess_shelter_cap_cents"]) == (
        "106400",
        "122900",
    )
    assert "STATE_FIGURE_CARRIED_FORWARD" in codes(rural)
    urban = determine(SnapFacts(NOV_2026, "AK", members, expenses, utility_region="AK_SW"), PARAMS)
    assert urban.allotment_cents == 79_200 and urban.alaska_area == "urban"
    assert "no allotment area was given" in reason(urban, "ALASKA_ALLOTMENT_AREA").message


def test_hawaii_single_adult_in_fy2027_is_answered() -> None:
    """FY2027, Hawaii: $500 of benefits less the $306 standard deduction is $194 net; 30%
    is $58.20, so $59; $496 - $59 = $437. Hawaii keeps the net test under BBCE."""
    facts = SnapFacts(NOV_2026, "HI", (Member("a", 45, unearned_cents=50_000),))
    result = determine(facts, PARAMS)
    assert (result.eligible, result.net_income_cents, result.allotment_cents) == (
        True,
        19_400,
        43_700,
    )
    assert "NET_INCOME_WITHIN_LIMIT" in codes(result)


@pytest.mark.parametrize("month", [dt.date(2024, 11, 1), NOV_2025, NOV_2026])
@pytest.mark.parametrize("area", ["urban", "rural_1", "rural_2"])
def test_alaska_is_answered_in_every_area_and_fiscal_year(month: dt.date, area: str) -> None:
    facts = SnapFacts(month, "AK", (Member("a", 45, unearned_cents=50_000),), alaska_area=area)
    result = determine(facts, PARAMS)
    assert result.eligible and result.alaska_area == area
    figures = reason(result, "ALLOTMENT_COMPUTED").figures
    assert int(figures["max_allotment_cents"]) > 0


def test_a_utility_region_outside_the_state_is_refused_by_the_rules() -> None:
    facts = SnapFacts(
        NOV_2025,
        "AK",
        (Member("a", 45),),
        Expenses(pays_heating_or_cooling=True),
        utility_region="NY_NYC",
    )
    with pytest.raises(ValueError):
        determine(facts, PARAMS)


def test_medical_costs_count_only_for_elderly_or_disabled_households() -> None:
    young = SnapFacts(
        NOV_2026, "MO", (Member("a", 30, unearned_cents=100_000),), Expenses(medical_cents=40_000)
    )
    disabled = SnapFacts(
        NOV_2026,
        "MO",
        (Member("a", 30, disabled=True, unearned_cents=100_000),),
        Expenses(medical_cents=40_000),
    )
    assert "MEDICAL_COSTS_NOT_DEDUCTIBLE" in codes(determine(young, PARAMS))
    # $1,000 - $217 standard - ($400 - $35) medical = $418.
    assert determine(young, PARAMS).net_income_cents == 100_000 - 21_700
    assert determine(disabled, PARAMS).net_income_cents == 100_000 - 21_700 - 36_500
