"""The Marketplace premium is age-rated on the age at the start of coverage, which the policy
keeps for its year (45 CFR 147.102(a)(1)(iii)), while Medicaid and CHIP read the age on the
answer's day.

Factors are the federal default age curve, CMS "Guidance Regarding Age Curves and State
Reporting" (16 December 2016), Appendix I: 18 -> 0.913, 20 -> 0.970, 21 -> 1.000,
39 -> 1.262, 40 -> 1.278, 63 -> 2.952, 64 -> 3.000. Texas uses the default curve. The
benchmark is a figure of $600.00 a month quoted for a 40-year-old, so a member rated at age
a pays 600 x factor(a) / 1.278.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from services.hhs.applicable_percentage import half_up
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
from services.hhs.results import Program, Status
from services.hhs.rules import determine, load_parameters

PARAMS = load_parameters()
QUOTED_CENTS, QUOTED_AGE = 60_000, 40
FACTOR = {
    18: Fraction("0.913"),
    19: Fraction("0.941"),
    20: Fraction("0.970"),
    21: Fraction("1.000"),
    39: Fraction("1.262"),
    40: Fraction("1.278"),
    63: Fraction("2.952"),
    64: Fraction("3.000"),
}
# A life event's answer in November; coverage began in January.
ANSWER_DAY = dt.date(2026, 11, 20)
BENCHMARKS = BenchmarkTable(
    [Benchmark(2026, "TX", "Test", QUOTED_CENTS, QUOTED_AGE, "test figure at age 40")]
)


def _expected(age: int) -> int:
    ratio = FACTOR[age] / FACTOR[QUOTED_AGE]
    return half_up(QUOTED_CENTS * ratio.numerator, ratio.denominator)


def _single(age: int, premium_age: int | None) -> HouseholdFacts:
    # $31,000 for one in 2026: 198% of the poverty line, inside the credit's band.
    return HouseholdFacts(
        plan_year=2026,
        state_code="TX",
        county="Test",
        members=(
            Member(
                "p1",
                age,
                citizenship=Citizenship.CITIZEN,
                annual_magi_cents=3_100_000,
                premium_age=premium_age,
            ),
        ),
        tax_units=(TaxUnit("t1", FilingStatus.SINGLE, ("p1",)),),
        determined_on=ANSWER_DAY,
    )


@pytest.mark.parametrize(
    ("age", "at_start"),
    [(40, 39), (21, 20), (64, 63)],
    ids=["turned-40", "turned-21", "turned-64"],
)
def test_a_birthday_since_coverage_began_keeps_the_premium_of_the_age_at_start(
    age: int, at_start: int
) -> None:
    moved = determine(_single(age, None), PARAMS, BENCHMARKS)
    kept = determine(_single(age, at_start), PARAMS, BENCHMARKS)
    figures = kept.person("p1").program(Program.MARKETPLACE).reasons[0].figures
    assert figures["member_benchmark_monthly_cents"] == str(_expected(at_start))
    assert figures["age"] == str(at_start)
    assert figures["age_factor"] == str(float(FACTOR[at_start]))
    assert figures["age_on_determined_on"] == str(age)
    # Unset, the premium follows the age on the answer's day, as before.
    old = moved.person("p1").program(Program.MARKETPLACE).reasons[0].figures
    assert old["member_benchmark_monthly_cents"] == str(_expected(age))
    assert old["age"] == str(age)
    assert "age_on_determined_on" not in old
    assert _expected(age) != _expected(at_start)


def test_the_credit_follows_the_kept_premium() -> None:
    # 40 on the answer's day, 39 when coverage began: $592.49 - $168 = $424.49 a month.
    kept = determine(_single(40, 39), PARAMS, BENCHMARKS).person("p1")
    market = kept.program(Program.MARKETPLACE)
    assert market.status is Status.ELIGIBLE
    assert _expected(39) == 59_249
    assert market.monthly_benefit_cents == 59_249 - 16_800


def _parent_and_child(child_age: int, child_premium_age: int | None) -> HouseholdFacts:
    # $27,000 for two in 2026: 127.66% of the poverty line ($21,150, 90 FR 5917). Texas
    # covers children aged 6 to 18 in Medicaid to 138% (42 CFR 435.118), so at 18 the child
    # is covered; at 19 she is an adult Texas does not cover (no expansion).
    return HouseholdFacts(
        plan_year=2026,
        state_code="TX",
        county="Test",
        members=(
            Member("mom", 45, citizenship=Citizenship.CITIZEN, annual_magi_cents=2_700_000),
            Member(
                "kid",
                child_age,
                citizenship=Citizenship.CITIZEN,
                premium_age=child_premium_age,
            ),
        ),
        relationships=(Relationship("kid", "mom", Relation.CHILD),),
        tax_units=(TaxUnit("t1", FilingStatus.HEAD_OF_HOUSEHOLD, ("mom",), ("kid",)),),
        determined_on=ANSWER_DAY,
    )


def test_medicaid_and_chip_take_the_age_on_the_answers_day_while_the_premium_keeps_its_own() -> (
    None
):
    at_18 = determine(_parent_and_child(18, None), PARAMS, BENCHMARKS).person("kid")
    assert at_18.program(Program.MEDICAID).status is Status.ELIGIBLE
    turned_19 = determine(_parent_and_child(19, 18), PARAMS, BENCHMARKS).person("kid")
    # Medicaid and CHIP read 19: no longer a child, so neither covers her ...
    assert turned_19.program(Program.MEDICAID).status is Status.INELIGIBLE
    assert turned_19.program(Program.CHIP).status is Status.INELIGIBLE
    # ... and the Marketplace, which she now joins, rates her at 18, her age when the
    # family's coverage began.
    market = turned_19.program(Program.MARKETPLACE)
    assert market.status is Status.ELIGIBLE
    figures = market.reasons[0].figures
    assert figures["age"] == "18"
    assert figures["age_on_determined_on"] == "19"
    assert figures["member_benchmark_monthly_cents"] == str(_expected(18))
