"""Which benchmark premium a Marketplace answer rests on, and how sure it is.

In order: the published figure HHS holds for the plan year and county; else the figure the
caller knows, with its source; else, for a year not yet published, the latest published
year's figure uprated by a cited index (an estimate: the answer stays pending until the
real figure is loaded, 26 CFR 1.36B-3(f) names the benchmark as the actual plan's premium).
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from fractions import Fraction

from services.hhs.applicable_percentage import round_half_up
from services.hhs.benchmarks import Benchmark, BenchmarkSource
from services.hhs.facts import HouseholdFacts
from services.hhs.records import record
from services.hhs.results import Basis, Reason
from shared.parameters import ParameterError, ParameterSet, ParameterValue

UPRATING = "hhs.aca.benchmark_premium_uprating"
BENCHMARK_RULE = "26 U.S.C. 36B(b)(3)(B); 26 CFR 1.36B-3(f)"


@record
class Chosen:
    monthly_premium_cents: int
    age_basis: int
    basis: Basis
    # Citation of the figure itself.
    reference: str
    rating_area: str
    # A short statement of where the figure came from, for figures and tables.
    source: str
    # Reasons the answer must show beside the credit (estimate, caller's figure, approximation).
    notes: tuple[Reason, ...] = ()


@functools.lru_cache(maxsize=256)
def estimate_from_year(params: ParameterSet, plan_year: int) -> int | None:
    """The published year an estimate for ``plan_year`` would uprate, if one is defined."""
    try:
        return int(params.get(UPRATING, dt.date(plan_year, 1, 1))["from_year"])
    except ParameterError:
        return None


def _approximation(benchmark: Benchmark) -> tuple[Reason, ...]:
    if not benchmark.approximation:
        return ()
    return (
        Reason(
            "RATING_AREA_FROM_COUNTY",
            f"Benchmark for rating area {benchmark.rating_area}: {benchmark.approximation}.",
            "45 CFR 147.102(b) (rating areas set by the state); CMS state geographic rating areas",
            {"rating_area": benchmark.rating_area},
        ),
    )


@functools.lru_cache(maxsize=256)
def _uprating(
    params: ParameterSet, plan_year: int
) -> tuple[ParameterValue, object, object, Fraction]:
    """The year's uprating entry, its two index figures as written, and their ratio."""
    entry = params.entry(UPRATING, dt.date(plan_year, 1, 1))
    index_from, index_to = entry.value["index_from"], entry.value["index_to"]
    factor = Fraction(Decimal(str(index_to))) / Fraction(Decimal(str(index_from)))
    return entry, index_from, index_to, factor


def choose(
    facts: HouseholdFacts, params: ParameterSet, benchmarks: BenchmarkSource
) -> Chosen | None:
    year, state, county = facts.plan_year, facts.state_code, facts.county
    published = benchmarks.find(year, state, county)
    if published is not None:
        return Chosen(
            published.monthly_premium_cents,
            published.age_basis,
            Basis.PUBLISHED,
            published.reference,
            published.rating_area,
            published.reference,
            _approximation(published),
        )
    quote = facts.quoted_benchmark
    if quote is not None:
        note = Reason(
            "BENCHMARK_FROM_CALLER",
            f"HHS holds no published {year} benchmark for {county}, {state}; the caller's "
            f"figure of ${quote.monthly_premium_cents / 100:,.2f}/month at age {quote.age} "
            f"({quote.source}) was used.",
            BENCHMARK_RULE,
            {"benchmark_source": quote.source},
        )
        return Chosen(
            quote.monthly_premium_cents,
            quote.age,
            Basis.CALLER_SUPPLIED,
            f"caller's figure: {quote.source}",
            "",
            f"caller's figure: {quote.source}",
            (note,),
        )
    from_year = estimate_from_year(params, year)
    prior = benchmarks.find(from_year, state, county) if from_year is not None else None
    if prior is None or from_year is None:
        return None
    return _estimate(params, year, state, county, from_year, prior)


# The estimate and its wording follow from the published figure it uprates and the
# parameters alone (the source is asked above, every time): each is made once.
@functools.lru_cache(maxsize=4096)
def _estimate(
    params: ParameterSet, year: int, state: str, county: str, from_year: int, prior: Benchmark
) -> Chosen:
    entry, index_from, index_to, factor = _uprating(params, year)
    cents = int(round_half_up(prior.monthly_premium_cents * factor))
    estimate = Reason(
        "BENCHMARK_ESTIMATED",
        f"ESTIMATE: no {year} benchmark premium is published yet for {county}, {state}; the "
        f"{from_year} benchmark was uprated by a national index ({index_to} / {index_from}): "
        f"{from_year} ${prior.monthly_premium_cents / 100:,.2f}"
        f" -> ${cents / 100:,.2f}/month at age {prior.age_basis}. The credit is an estimate and "
        "the answer stays pending until the published figure is loaded.",
        f"{BENCHMARK_RULE}; {entry.reference}; {prior.reference}",
        {
            "benchmark_basis": "estimate",
            "estimated_from_year": str(from_year),
            "estimated_from_monthly_cents": str(prior.monthly_premium_cents),
            "uprating_index": f"{index_to}/{index_from}",
            "rating_area": prior.rating_area,
        },
    )
    return Chosen(
        cents,
        prior.age_basis,
        Basis.ESTIMATE,
        f"{entry.reference}; {prior.reference}",
        prior.rating_area,
        f"ESTIMATE: {from_year} benchmark x {index_to}/{index_from}",
        (estimate, *_approximation(prior)),
    )
