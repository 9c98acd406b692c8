"""Which benchmark an answer rests on: published (county, rating area), the caller's figure,
or an estimate for a year not yet published, and how each is labelled."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from services.harness.households import example_paths, load_request
from services.hhs import mapping
from services.hhs.benchmarks import load_counties, shipped_table
from services.hhs.facts import (
    Citizenship,
    FilingStatus,
    HouseholdFacts,
    Member,
    QuotedBenchmark,
    TaxUnit,
)
from services.hhs.results import Basis, Program, Status
from services.hhs.rules import determine, load_parameters
from services.orchestrator.adapters import agency_requests

PARAMS = load_parameters()
TABLE = shipped_table()
COUNTIES = [c for c in load_counties() if TABLE.find(2026, c.state_code, c.county) is not None]


def _single(
    year: int,
    state: str = "TX",
    county: str = "Harris",
    quote: QuotedBenchmark | None = None,
    age: int = 40,
):  # type: ignore[no-untyped-def]
    facts = HouseholdFacts(
        plan_year=year,
        state_code=state,
        county=county,
        members=(Member("p1", age, citizenship=Citizenship.CITIZEN, annual_magi_cents=3_100_000),),
        tax_units=(TaxUnit("t1", FilingStatus.SINGLE, ("p1",)),),
        determined_on=dt.date(2026, 11, 25),
        quoted_benchmark=quote,
    )
    determination = determine(facts, PARAMS, TABLE)
    market = determination.person("p1").program(Program.MARKETPLACE)
    household = next(h for h in determination.households if h.tax_unit_id == "t1")
    return market, household


def test_harris_county_2026_single_adult_gets_the_published_rating_area_benchmark() -> None:
    # Harris County is Texas rating area 10: $408.00 at age 0 (KFF Subsidy Calculator 2026),
    # $681.60 at 40 on the default curve. $31,000 of income is 198% of the 2025 guideline
    # (Form 8962 line 5), 6.50% applicable (Rev. Proc. 2025-25): $2,015 a year, $168 a month.
    # Credit: $681.60 - $168.00 = $513.60 a month.
    market, household = _single(2026)
    assert market.status is Status.ELIGIBLE
    assert market.monthly_benefit_cents == 51_360
    assert (household.benchmark_monthly_premium_cents, household.rating_area) == (68_160, "10")
    assert household.benchmark_basis is Basis.PUBLISHED
    assert "KFF Subsidy Calculator 2026" in market.reasons[0].citation


def test_2027_is_an_estimate_from_2026_uprated_by_the_cited_index_and_stays_pending() -> None:
    # $408.00 x 651.2055 / 625 = $425.11 at age 0 (the reference's 2027 projection row for
    # TX rating area 10 is also 425.11), so $710.18 at 40.
    market, household = _single(2027)
    assert market.status is Status.PENDING_VERIFICATION
    assert market.reasons[0].code == "BENCHMARK_ESTIMATED"
    assert market.reasons[0].message.startswith("ESTIMATE")
    assert "KFF" in market.reasons[0].citation
    assert household.benchmark_basis is Basis.ESTIMATE
    assert household.benchmark_monthly_premium_cents == 71_018
    figures = market.reasons[1].figures
    assert figures["benchmark_basis"] == "estimate"
    assert market.monthly_benefit_cents == 71_018 - int(figures["monthly_contribution_cents"])


def test_a_callers_benchmark_is_used_where_none_is_published_and_names_its_source() -> None:
    quote = QuotedBenchmark(70_000, 40, "Exchange 2027 plan catalogue")
    market, household = _single(2027, quote=quote)
    assert market.status is Status.ELIGIBLE
    assert household.benchmark_basis is Basis.CALLER_SUPPLIED
    assert household.benchmark_monthly_premium_cents == 70_000
    assert {r.code for r in market.reasons} >= {"APTC_COMPUTED", "BENCHMARK_FROM_CALLER"}
    assert "Exchange 2027 plan catalogue" in household.benchmark_source


def test_a_published_benchmark_wins_over_the_callers() -> None:
    quote = QuotedBenchmark(99_000, 40, "a shopper's screenshot")
    _, household = _single(2026, quote=quote)
    assert household.benchmark_basis is Basis.PUBLISHED
    assert household.benchmark_monthly_premium_cents == 68_160


def test_a_zip_based_rating_area_answer_says_the_county_was_used() -> None:
    market, _ = _single(2026, state="AK", county="Anchorage")
    assert market.status is Status.ELIGIBLE
    assert "RATING_AREA_FROM_COUNTY" in {r.code for r in market.reasons}


def test_a_county_without_any_figure_is_pending_not_guessed() -> None:
    market, household = _single(2027, county="Nowhere")
    assert market.status is Status.PENDING_VERIFICATION
    assert market.reasons[0].code == "NO_BENCHMARK_DATA"
    assert household.benchmark_basis is Basis.NONE


def test_state_curves_rate_new_york_per_adult() -> None:
    # NY quotes the adult rate and rates children at 0.412 of it: a 30-year-old pays the
    # quoted $867.00 benchmark (New York County, rating area 4, 2026).
    _, household = _single(2026, state="NY", county="New York", age=30)
    assert household.benchmark_monthly_premium_cents == 86_700


@settings(max_examples=60, deadline=None)
@given(place=st.sampled_from(COUNTIES), year=st.sampled_from([2025, 2026, 2027]))
def test_every_county_with_figures_is_answered_for_2025_to_2027(place, year: int) -> None:  # type: ignore[no-untyped-def]
    market, household = _single(year, state=place.state_code, county=place.county)
    assert "NO_BENCHMARK_DATA" not in {r.code for r in market.reasons}
    assert household.benchmark_basis is (Basis.ESTIMATE if year == 2027 else Basis.PUBLISHED)


def test_every_example_household_is_answered_for_2025_to_2027_without_a_refusal() -> None:
    for path in example_paths():
        household = load_request(path).household
        for year in (2025, 2026, 2027):
            request = agency_requests.hhs_request(household, year)
            facts = mapping.to_facts(request, dt.date(2026, 11, 25))
            determination = determine(facts, PARAMS, TABLE)
            for person in determination.persons:
                codes = {r.code for r in person.program(Program.MARKETPLACE).reasons}
                assert "NO_BENCHMARK_DATA" not in codes, (path.name, year, person.person_id)
