"""The shipped Marketplace figures: benchmark premiums by rating area, the county map and the
state age curves. Published figures are checked with their source beside them."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from services.hhs.age_rating import age_factor, member_premiums
from services.hhs.benchmarks import (
    AreaPremium,
    CountyArea,
    load_counties,
    load_premiums,
    shipped_table,
)
from services.hhs.rules import load_parameters
from shared.parameters import ParameterSet
from shared.validation import STATE_CODES

# Counties with no premium in the source (listed in the header of county_rating_areas.csv).
NO_PREMIUM = {"12045", "45017", "45037"}


@pytest.fixture(scope="module")
def premiums() -> list[AreaPremium]:
    return load_premiums()


@pytest.fixture(scope="module")
def counties() -> list[CountyArea]:
    return load_counties()


@pytest.fixture(scope="module")
def params() -> ParameterSet:
    return load_parameters()


def test_every_premium_row_is_published_cited_and_for_2024_to_2026(
    premiums: list[AreaPremium],
) -> None:
    assert {p.plan_year for p in premiums} == {2024, 2025, 2026}
    seen = set()
    for p in premiums:
        key = (p.plan_year, p.state_code, p.rating_area)
        assert key not in seen, key
        seen.add(key)
        assert p.monthly_premium_cents > 0
        assert "KFF Subsidy Calculator" in p.reference and "https://" in p.reference
        assert p.age_basis == (21 if p.state_code in ("NY", "VT") else 0)


def test_every_state_and_dc_has_counties_mapped(counties: list[CountyArea]) -> None:
    assert {c.state_code for c in counties} >= STATE_CODES


@pytest.mark.parametrize("plan_year", [2025, 2026])
def test_every_mapped_county_of_a_state_has_a_benchmark_except_the_listed_gaps(
    counties: list[CountyArea], plan_year: int
) -> None:
    table = shipped_table()
    missing = {
        c.county_fips
        for c in counties
        if c.state_code in STATE_CODES and table.find(plan_year, c.state_code, c.county) is None
    }
    assert missing == NO_PREMIUM


def test_rating_areas_that_follow_zip_codes_are_flagged(counties: list[CountyArea]) -> None:
    flagged = {(c.state_code, c.county_fips) for c in counties if c.zip_based}
    assert {s for s, _ in flagged} == {"AK", "MA", "NE", "CA"}
    assert {f for s, f in flagged if s == "CA"} == {"06037"}  # Los Angeles County only


def test_harris_county_2026_benchmark_matches_the_kff_calculator(params: ParameterSet) -> None:
    # KFF Subsidy Calculator 2026 (https://www.kff.org/interactive/calculator-aca-enhanced-
    # premium-tax-credit/), via policyengine-us 2.68.0 state_rating_area_cost.yaml: Texas rating
    # area 10 (Harris County, CMS Texas geographic rating areas), $408 at age 0, which the
    # federal default curve (45 CFR 147.102(e): 0-14 = 0.765, 40 = 1.278) makes $681.60 at 40.
    found = shipped_table().find(2026, "TX", "Harris")
    assert found is not None
    assert (found.rating_area, found.monthly_premium_cents, found.age_basis) == ("10", 40_800, 0)
    assert member_premiums(params, 2026, 40_800, 0, {"p": 40}, "TX") == {"p": 68_160}


@pytest.mark.parametrize(
    ("state", "county", "year", "area", "cents"),
    [
        # Same source, same rows (age 0 unless NY/VT, adult base rate there).
        ("TX", "Harris", 2025, "10", 30_800),
        ("AK", "Anchorage", 2026, "1", 61_300),
        ("MA", "Suffolk", 2026, "5", 26_600),
        ("NY", "New York", 2026, "4", 86_700),
        ("VT", "Chittenden", 2026, "1", 129_900),
    ],
)
def test_spot_benchmarks_match_the_kff_calculator(
    state: str, county: str, year: int, area: str, cents: int
) -> None:
    found = shipped_table().find(year, state, county)
    assert found is not None
    assert (found.rating_area, found.monthly_premium_cents) == (area, cents)


def test_state_curves_are_the_cms_ones(params: ParameterSet) -> None:
    # CMS CCIIO, State Specific Age Curve Variations: Alabama 0-20 = 0.635, 40 = 1.278;
    # New York children 0-20 = 0.412 of the adult rate; Vermont has no age rating.
    al = age_factor(params, 2026, 40, "AL") / age_factor(params, 2026, 0, "AL")
    assert abs(al - Fraction(1278, 635)) < Fraction(1, 10_000)
    assert age_factor(params, 2026, 10, "NY") / age_factor(params, 2026, 30, "NY") == Fraction(
        "0.412"
    )
    assert age_factor(params, 2026, 64, "VT") == age_factor(params, 2026, 0, "VT")
    # Texas has no curve of its own: the federal default.
    assert age_factor(params, 2026, 40, "TX") == Fraction("1.278")


def test_the_uprating_index_is_cited_and_only_for_2027(params: ParameterSet) -> None:
    entry = params.entry("hhs.aca.benchmark_premium_uprating", dt.date(2027, 1, 1))
    # KFF national average benchmark 2026 = $625, extended to $651.2055 for 2027.
    assert entry.value == {"from_year": 2026, "index_from": "625", "index_to": "651.2055"}
    assert "KFF" in entry.reference and "estimate" in entry.reference
    assert entry.effective_to == dt.date(2027, 12, 31)
