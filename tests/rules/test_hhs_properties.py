"""Invariants of the HHS rules, checked over generated households (hypothesis)."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from services.hhs.benchmarks import Benchmark, BenchmarkTable
from services.hhs.facts import (
    Citizenship,
    FilingStatus,
    HouseholdFacts,
    Member,
    Relation,
    Relationship,
    TaxUnit,
)
from services.hhs.results import Determination, Program, Purpose, Status
from services.hhs.rules import determine, load_parameters

PARAMS = load_parameters()
STATES = ("TX", "CA", "FL", "PA", "AK", "HI", "WI", "GA")
# Test-local benchmarks, not published figures.
BENCHMARKS = BenchmarkTable(
    Benchmark(year, state, "Test", 45_000 + 1_000 * i, 40, "test figure")
    for year in (2025, 2026, 2027)
    for i, state in enumerate(STATES)
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def households(draw: st.DrawFn, market_friendly: bool = False) -> HouseholdFacts:
    """A tax unit of one or two adults and up to three children. ``market_friendly`` keeps
    to adults the Marketplace can help (lawfully present, under 64, no employer offer)."""
    adults = draw(st.integers(1, 2))
    children = draw(st.integers(0, 3))
    citizenship = (
        st.sampled_from([Citizenship.CITIZEN, Citizenship.LAWFULLY_PRESENT])
        if market_friendly
        else st.sampled_from(list(Citizenship))
    )
    members = []
    for i in range(adults):
        status = draw(citizenship)
        members.append(
            Member(
                f"a{i}",
                draw(st.integers(19, 63 if market_friendly else 70)),
                pregnant=False if market_friendly else draw(st.booleans()),
                citizenship=status,
                annual_magi_cents=draw(st.integers(-500_000, 20_000_000)),
                medicaid_barred_by_immigration_status=status is Citizenship.LAWFULLY_PRESENT
                and draw(st.booleans()),
                offered_affordable_employer_coverage=not market_friendly and draw(st.booleans()),
            )
        )
    members += [Member(f"c{i}", draw(st.integers(0, 20))) for i in range(children)]
    relationships = [Relationship(f"c{c}", "a0", Relation.CHILD) for c in range(children)]
    if adults == 2:
        relationships.append(Relationship("a0", "a1", Relation.SPOUSE))
    status = (
        FilingStatus.MARRIED_FILING_JOINTLY
        if adults == 2
        else draw(st.sampled_from([FilingStatus.SINGLE, FilingStatus.HEAD_OF_HOUSEHOLD]))
    )
    unit = TaxUnit(
        "t", status, tuple(f"a{i}" for i in range(adults)), tuple(f"c{i}" for i in range(children))
    )
    return HouseholdFacts(
        draw(st.sampled_from([2025, 2026, 2027])),
        draw(st.sampled_from(STATES)),
        "Test",
        tuple(members),
        tuple(relationships),
        (unit,),
        dt.date(2026, 11, 25),
    )


def _marketplace(result: Determination):  # type: ignore[no-untyped-def]
    return next(h for h in result.households if h.purpose is Purpose.MARKETPLACE)


def _with_income(facts: HouseholdFacts, cents: int) -> HouseholdFacts:
    first, *rest = facts.members
    return HouseholdFacts(
        facts.plan_year,
        facts.state_code,
        facts.county,
        (Member(**{**first.__dict__, "annual_magi_cents": cents}), *rest),
        facts.relationships,
        facts.tax_units,
        facts.determined_on,
    )


@SETTINGS
@given(
    households(market_friendly=True), st.integers(1_500_000, 25_000_000), st.integers(1, 3_000_000)
)
def test_more_income_never_raises_the_credit_within_the_marketplace_band(
    facts: HouseholdFacts, income: int, raise_by: int
) -> None:
    low = determine(_with_income(facts, income), PARAMS, BENCHMARKS)
    high = determine(_with_income(facts, income + raise_by), PARAMS, BENCHMARKS)
    low_family, high_family = (
        _marketplace(low).coverage_person_ids,
        _marketplace(high).coverage_person_ids,
    )
    # Same household, same year, and both incomes inside the band for the same coverage family.
    assume(low_family and low_family == high_family)
    assert _marketplace(high).monthly_aptc_cents <= _marketplace(low).monthly_aptc_cents


@SETTINGS
@given(households())
def test_someone_eligible_for_medicaid_or_chip_never_gets_a_credit(facts: HouseholdFacts) -> None:
    for person in determine(facts, PARAMS, BENCHMARKS).persons:
        public = {person.program(p).status for p in (Program.MEDICAID, Program.CHIP)}
        if Status.ELIGIBLE in public:
            market = person.program(Program.MARKETPLACE)
            assert market.status is Status.INELIGIBLE
            assert market.monthly_benefit_cents == 0


@SETTINGS
@given(households())
def test_per_person_credits_add_up_to_the_household_credit(facts: HouseholdFacts) -> None:
    result = determine(facts, PARAMS, BENCHMARKS)
    total = sum(p.program(Program.MARKETPLACE).monthly_benefit_cents for p in result.persons)
    assert total == _marketplace(result).monthly_aptc_cents
    assert total >= 0


@SETTINGS
@given(households(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_members(facts: HouseholdFacts, rng) -> None:  # type: ignore[no-untyped-def]
    members, relationships = list(facts.members), list(facts.relationships)
    rng.shuffle(members)
    rng.shuffle(relationships)
    unit = facts.tax_units[0]
    filers, dependents = list(unit.filers), list(unit.dependents)
    rng.shuffle(filers)
    rng.shuffle(dependents)
    shuffled = HouseholdFacts(
        facts.plan_year,
        facts.state_code,
        facts.county,
        tuple(members),
        tuple(relationships),
        (TaxUnit(unit.tax_unit_id, unit.filing_status, tuple(filers), tuple(dependents)),),
        facts.determined_on,
    )
    original, reordered = (
        determine(facts, PARAMS, BENCHMARKS),
        determine(shuffled, PARAMS, BENCHMARKS),
    )
    assert {p.person_id: p for p in original.persons} == {p.person_id: p for p in reordered.persons}
    assert original.households == reordered.households


def _single(state: str, cents: int) -> Determination:
    facts = HouseholdFacts(
        2027,
        state,
        "Test",
        # All wages: the 2027 community engagement requirement is met by earnings.
        (Member("p", 45, annual_magi_cents=cents, monthly_earned_income_cents=cents // 12),),
        (),
        (TaxUnit("t", FilingStatus.SINGLE, ("p",)),),
        dt.date(2026, 11, 25),
    )
    return determine(facts, PARAMS, BENCHMARKS)


def test_crossing_out_of_medicaid_can_raise_the_credit() -> None:
    # California: at 138% of the 2026 line ($15,960) Medicaid, no credit; a dollar more and
    # the Marketplace pays a credit. The rule, not a bug.
    at_limit = 1_596_000 * 138 // 100
    below = _single("CA", at_limit).person("p").program(Program.MARKETPLACE)
    above = _single("CA", at_limit + 100).person("p").program(Program.MARKETPLACE)
    assert below.monthly_benefit_cents == 0
    assert above.monthly_benefit_cents > below.monthly_benefit_cents


def test_crossing_the_100_percent_floor_can_raise_the_credit() -> None:
    # Texas has not expanded Medicaid: below 100% of the line an adult without children gets
    # neither Medicaid nor a credit; at 100% the credit starts (26 U.S.C. 36B(c)(1)(A)).
    below = _single("TX", 1_596_000 - 1).person("p").program(Program.MARKETPLACE)
    at_floor = _single("TX", 1_596_000).person("p").program(Program.MARKETPLACE)
    assert below.monthly_benefit_cents == 0
    assert at_floor.monthly_benefit_cents > 0
