"""HHS rules end to end in process: Medicaid, CHIP and the Marketplace for one household."""

from __future__ import annotations

import datetime as dt
import re

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
TODAY = dt.date(2026, 11, 25)
# Test-local benchmarks (not published figures): $500.00 a month for a 40-year-old.
BENCHMARKS = BenchmarkTable(
    Benchmark(year, state, "Test", 50_000, 40, "test figure")
    for year in (2025, 2026, 2027)
    for state in ("CA", "TX", "PA", "AK")
)
LINE_2026_ONE = 1_596_000  # 91 FR 1797: $15,960 for one person


def _m(pid: str, age: int, magi: int = 0, **kw) -> Member:  # type: ignore[no-untyped-def]
    kw.setdefault("citizenship", Citizenship.CITIZEN)
    return Member(pid, age, annual_magi_cents=magi, **kw)


def _run(
    members, units=(), relationships=(), state="TX", year=2027, county="Test"
) -> Determination:  # type: ignore[no-untyped-def]
    facts = HouseholdFacts(
        year, state, county, tuple(members), tuple(relationships), tuple(units), TODAY
    )
    return determine(facts, PARAMS, BENCHMARKS)


def _single(magi: int, state: str = "TX", year: int = 2027, **kw) -> Determination:  # type: ignore[no-untyped-def]
    return _run(
        [_m("p", 40, magi, **kw)],
        [TaxUnit("t", FilingStatus.SINGLE, ("p",))],
        state=state,
        year=year,
    )


def _codes(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in result.reasons]


def test_expansion_adult_at_exactly_138_percent_is_eligible_and_one_cent_more_is_not() -> None:
    at_limit = LINE_2026_ONE * 138 // 100
    # Wages, so the 2027 community engagement requirement is met by earnings.
    wages = {"monthly_earned_income_cents": at_limit // 12}
    eligible = _single(at_limit, state="CA", **wages).person("p")
    assert eligible.program(Program.MEDICAID).status is Status.ELIGIBLE
    assert eligible.program(Program.MARKETPLACE).monthly_benefit_cents == 0
    assert _codes(eligible.program(Program.MARKETPLACE)) == ["ELIGIBLE_FOR_MEDICAID"]
    above = _single(at_limit + 1, state="CA", **wages).person("p")
    assert above.program(Program.MEDICAID).status is Status.INELIGIBLE
    assert above.program(Program.MARKETPLACE).status is Status.ELIGIBLE
    assert above.program(Program.MARKETPLACE).monthly_benefit_cents > 0


def test_childless_adult_below_poverty_in_a_non_expansion_state_gets_neither() -> None:
    person = _single(LINE_2026_ONE * 90 // 100).person("p")
    assert _codes(person.program(Program.MEDICAID)) == ["MEDICAID_NO_ELIGIBILITY_GROUP"]
    assert _codes(person.program(Program.MARKETPLACE)) == ["INCOME_BELOW_POVERTY_LINE"]


def test_lawfully_present_person_barred_from_medicaid_gets_the_credit_below_the_floor() -> None:
    person = _single(
        LINE_2026_ONE // 2,
        citizenship=Citizenship.LAWFULLY_PRESENT,
        medicaid_barred_by_immigration_status=True,
    ).person("p")
    assert _codes(person.program(Program.MEDICAID)) == ["IMMIGRATION_STATUS_BARS_MEDICAID"]
    market = person.program(Program.MARKETPLACE)
    assert market.status is Status.ELIGIBLE
    assert "LAWFULLY_PRESENT_BELOW_POVERTY_LINE" in _codes(market)
    assert market.reasons[0].figures["fpl_percent_used"] == "100"
    assert market.reasons[0].figures["applicable_percentage"] == "2.15"  # Rev. Proc. 2026-26
    assert market.csr_level == 94


def test_income_over_400_percent_gets_no_credit_in_2027_but_did_in_2025() -> None:
    rich = LINE_2026_ONE * 5
    assert _codes(_single(rich).person("p").program(Program.MARKETPLACE)) == ["INCOME_ABOVE_CAP"]
    # 2025: no cap (ARPA/IRA), 8.5% of income; $79,800 * 8.5% = $6,783/yr = $565/mo > $500
    # benchmark for age 40, so eligible with a zero credit.
    market = _single(rich, year=2025).person("p").program(Program.MARKETPLACE)
    assert market.status is Status.ELIGIBLE
    assert _codes(market)[0] == "APTC_ZERO_CONTRIBUTION_COVERS_BENCHMARK"


def test_married_filing_separately_gets_no_credit() -> None:
    result = _run(
        [_m("a", 40, 3_000_000), _m("b", 40, 0)],
        [
            TaxUnit("ta", FilingStatus.MARRIED_FILING_SEPARATELY, ("a",)),
            TaxUnit("tb", FilingStatus.MARRIED_FILING_SEPARATELY, ("b",)),
        ],
        [Relationship("a", "b", Relation.SPOUSE)],
    )
    assert _codes(result.person("a").program(Program.MARKETPLACE)) == ["MARRIED_FILING_SEPARATELY"]


def test_affordable_employer_offer_bars_only_that_member() -> None:
    result = _run(
        [_m("a", 40, 4_000_000, offered_affordable_employer_coverage=True), _m("b", 40, 0)],
        [TaxUnit("t", FilingStatus.MARRIED_FILING_JOINTLY, ("a", "b"))],
    )
    assert _codes(result.person("a").program(Program.MARKETPLACE)) == [
        "AFFORDABLE_EMPLOYER_COVERAGE"
    ]
    assert result.person("b").program(Program.MARKETPLACE).status is Status.ELIGIBLE


def test_employer_premium_is_tested_against_the_required_contribution_percentage() -> None:
    # 2027: 10.22% (Rev. Proc. 2026-26) of $40,000 = $4,088 a year = $340.67 a month.
    def market(premium: int):  # type: ignore[no-untyped-def]
        return (
            _single(4_000_000, employer_self_only_monthly_premium_cents=premium)
            .person("p")
            .program(Program.MARKETPLACE)
        )

    affordable = market(34_000)
    assert _codes(affordable) == ["AFFORDABLE_EMPLOYER_COVERAGE"]
    assert affordable.reasons[0].figures["affordability_limit_cents"] == "408800"
    assert market(34_100).status is Status.ELIGIBLE


def test_county_without_a_benchmark_is_pending_and_keeps_its_csr_level() -> None:
    facts = HouseholdFacts(
        2027,
        "TX",
        "Nowhere",
        (_m("p", 40, LINE_2026_ONE * 2),),
        (),
        (TaxUnit("t", FilingStatus.SINGLE, ("p",)),),
        TODAY,
    )
    market = determine(facts, PARAMS, BENCHMARKS).person("p").program(Program.MARKETPLACE)
    assert market.status is Status.PENDING_VERIFICATION
    assert _codes(market)[0] == "NO_BENCHMARK_DATA"
    assert (market.monthly_benefit_cents, market.csr_level) == (0, 87)


def test_member_65_or_older_is_referred_for_non_magi_medicaid_and_taken_to_have_medicare() -> None:
    person = _run([_m("p", 66, 2_000_000)], [TaxUnit("t", FilingStatus.SINGLE, ("p",))]).person("p")
    medicaid = person.program(Program.MEDICAID)
    assert medicaid.status is Status.REFERRED
    assert _codes(medicaid) == ["MEDICAID_REFERRED_NON_MAGI"]
    assert medicaid.reasons[0].citation.startswith("42 CFR 435.603(j)(2)")
    assert _codes(person.program(Program.MARKETPLACE)) == ["ASSUMED_MEDICARE_ELIGIBLE"]


def test_not_lawfully_present_member_gets_nothing_yet_counts_in_the_family() -> None:
    result = _run(
        [_m("a", 40, 3_000_000), _m("b", 38, 0, citizenship=Citizenship.NOT_LAWFULLY_PRESENT)],
        [TaxUnit("t", FilingStatus.MARRIED_FILING_JOINTLY, ("a", "b"))],
    )
    b = result.person("b")
    assert all(p.status is Status.INELIGIBLE for p in b.programs)
    assert _codes(b.program(Program.MARKETPLACE)) == ["NOT_LAWFULLY_PRESENT"]
    market = next(h for h in result.households if h.purpose is Purpose.MARKETPLACE)
    assert (market.size, market.coverage_person_ids) == (2, ("a",))


def test_applying_person_in_no_tax_unit_gets_no_credit() -> None:
    person = _run([_m("p", 30, LINE_2026_ONE * 2)]).person("p")
    assert _codes(person.program(Program.MARKETPLACE)) == ["NOT_IN_A_TAX_HOUSEHOLD"]


def test_only_the_three_oldest_children_under_21_are_rated() -> None:
    kids = [_m(f"k{i}", age) for i, age in enumerate((20, 17, 15, 9))]
    rels = [Relationship(k.person_id, "a", Relation.CHILD) for k in kids]
    result = _run(
        [_m("a", 40, 30_000_000), *kids],  # 5 people at ~800% FPL: nobody gets Medicaid/CHIP
        [TaxUnit("t", FilingStatus.HEAD_OF_HOUSEHOLD, ("a",), tuple(k.person_id for k in kids))],
        rels,
        year=2025,  # no cap in 2025, so the family is in the coverage family
    )
    market = next(h for h in result.households if h.purpose is Purpose.MARKETPLACE)
    # 45 CFR 147.102(c)(1); CMS default curve: 40 -> 1.278, 20 -> 0.970, 17 -> 0.885,
    # 15 -> 0.833; the 9-year-old is not rated. $500 * f / 1.278 per member, to the cent.
    expected = sum(round(50_000 * f / 1.278) for f in (1.278, 0.970, 0.885, 0.833))
    assert market.benchmark_monthly_premium_cents == expected
    assert result.person("k3").program(Program.MARKETPLACE).monthly_benefit_cents == 0


def test_household_credit_is_shared_exactly_among_the_coverage_family() -> None:
    result = _run(
        [_m("a", 59, 3_300_000), _m("b", 23, 0)],
        [TaxUnit("t", FilingStatus.MARRIED_FILING_JOINTLY, ("a", "b"))],
    )
    market = next(h for h in result.households if h.purpose is Purpose.MARKETPLACE)
    shares = [
        result.person(pid).program(Program.MARKETPLACE).monthly_benefit_cents for pid in ("a", "b")
    ]
    assert market.monthly_aptc_cents > 0
    assert sum(shares) == market.monthly_aptc_cents
    assert shares[0] > shares[1]  # the older member's premium is larger


def test_texas_child_above_the_medicaid_limit_gets_chip() -> None:
    result = _run(
        [_m("mom", 35, 2 * 2_164_000), _m("kid", 10)],  # 200% of the 2026 two-person line
        [TaxUnit("t", FilingStatus.HEAD_OF_HOUSEHOLD, ("mom",), ("kid",))],
        [Relationship("kid", "mom", Relation.CHILD)],
    )
    kid = result.person("kid")
    assert _codes(kid.program(Program.MEDICAID)) == ["MEDICAID_INCOME_ABOVE_LIMIT"]
    assert kid.program(Program.CHIP).status is Status.ELIGIBLE
    assert _codes(kid.program(Program.MARKETPLACE)) == ["ELIGIBLE_FOR_CHIP"]
    assert result.person("mom").program(Program.MARKETPLACE).status is Status.ELIGIBLE


def test_pregnant_woman_is_measured_with_her_unborn_child() -> None:
    # Alone at 250% of the one-person line she is ~185% of the two-person line: within
    # Texas's 203% pregnancy limit.
    person = _single(LINE_2026_ONE * 250 // 100, pregnant=True).person("p")
    medicaid = person.program(Program.MEDICAID)
    assert medicaid.status is Status.ELIGIBLE
    assert medicaid.reasons[0].figures["household_size"] == "2"
    assert medicaid.reasons[0].figures["group"] == "pregnant"


def test_non_applying_members_count_but_get_no_determination() -> None:
    result = _run(
        [_m("a", 40, 3_000_000), _m("b", 40, 3_000_000, applying=False)],
        [TaxUnit("t", FilingStatus.MARRIED_FILING_JOINTLY, ("a", "b"))],
    )
    assert [p.person_id for p in result.persons] == ["a"]
    market = next(h for h in result.households if h.purpose is Purpose.MARKETPLACE)
    assert market.magi_cents == 6_000_000


def test_every_reason_has_a_code_a_message_and_a_citation() -> None:
    result = _run(
        [_m("mom", 35, 2_000_000), _m("kid", 10), _m("dad", 70, 1_000_000)],
        [TaxUnit("t", FilingStatus.MARRIED_FILING_JOINTLY, ("mom", "dad"), ("kid",))],
        [Relationship("kid", "mom", Relation.CHILD), Relationship("mom", "dad", Relation.SPOUSE)],
    )
    for person in result.persons:
        for program in person.programs:
            assert program.reasons
            for reason in program.reasons:
                assert re.fullmatch(r"[A-Z0-9]+(_[A-Z0-9]+)*", reason.code)
                assert reason.message and reason.citation
