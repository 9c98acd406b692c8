"""MAGI figures against their publishers: the SSA wage base and the IRS dependent filing
thresholds by year (the citation beside each), and worked examples of the calculation."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.magi import (
    DEPENDENT_FILING,
    WAGE_BASE,
    IncomeParts,
    dependent_filing_test,
    magi,
    parameters,
)

PARAMS = parameters()


@pytest.mark.parametrize(
    ("year", "dollars", "source"),
    [
        (2023, 160_200, "SSA, Contribution and Benefit Base, 2023"),
        (2024, 168_600, "SSA, Contribution and Benefit Base, 2024"),
        (2025, 176_100, "SSA, Contribution and Benefit Base, 2025"),
        (2026, 184_500, "SSA, Contribution and Benefit Base, 2026"),
        (2027, 192_300, "SSA, 2027 Cost-of-Living Adjustment Fact Sheet"),
    ],
)
def test_social_security_wage_base_is_ssas_figure_for_the_year(
    year: int, dollars: int, source: str
) -> None:
    entry = PARAMS.entry(WAGE_BASE, dt.date(year, 7, 1))
    assert entry.value == dollars * 100
    assert entry.reference.startswith(source)


@pytest.mark.parametrize(
    ("year", "standard", "floor", "addition", "source"),
    [
        (2023, 13_850, 1_250, 400, "Rev. Proc. 2022-38"),
        (2024, 14_600, 1_300, 450, "Rev. Proc. 2023-34"),
        # Rev. Proc. 2024-40 said $15,000; P.L. 119-21 raised it to $15,750 for 2025.
        (2025, 15_750, 1_350, 450, "Rev. Proc. 2024-40"),
        (2026, 16_100, 1_350, 450, "Rev. Proc. 2025-32"),
    ],
)
def test_dependent_filing_figures_are_the_revenue_procedures(
    year: int, standard: int, floor: int, addition: int, source: str
) -> None:
    entry = PARAMS.entry(DEPENDENT_FILING, dt.date(year, 1, 1))
    assert entry.value == {
        "single_standard_deduction": standard * 100,
        "floor": floor * 100,
        "earned_addition": addition * 100,
    }
    assert entry.reference.startswith(source)


def test_self_employed_50000_in_2026_deducts_half_of_7064_78_se_tax() -> None:
    # Schedule SE: 50,000 x 92.35% = 46,175; x 15.3% = 7,064.775 -> 7,064.78; half 3,532.39.
    result = magi(IncomeParts(self_employment_cents=5_000_000), 2026)
    assert result.self_employment_tax_cents == 706_478
    assert result.self_employment_deduction_cents == 353_239
    assert result.cents == 5_000_000 - 353_239


def test_wages_use_up_the_wage_base_before_self_employment_in_2026() -> None:
    # 2026 base 184,500 less 180,000 wages leaves 4,500 for the 12.4%: 558.00; the 2.9% on
    # 46,175 is 1,339.075; tax 1,897.08 (rounded), deduction 948.54.
    result = magi(IncomeParts(wages_cents=18_000_000, self_employment_cents=5_000_000), 2026)
    assert result.self_employment_tax_cents == 189_708
    assert result.self_employment_deduction_cents == 94_854
    assert result.wage_base_cents == 18_450_000


def test_net_earnings_above_the_2025_wage_base_pay_only_the_medicare_rate_above_it() -> None:
    # 300,000 x 92.35% = 277,050; 12.4% of 176,100 = 21,836.40; 2.9% of 277,050 = 8,034.45.
    result = magi(IncomeParts(self_employment_cents=30_000_000), 2025)
    assert result.self_employment_tax_cents == 2_987_085
    assert result.self_employment_deduction_cents == 1_493_543  # 14,935.425 rounded half up


def test_net_earnings_under_400_owe_no_se_tax() -> None:
    # 433 x 92.35% = 399.88, under the 26 U.S.C. 1402(b)(2) floor.
    assert magi(IncomeParts(self_employment_cents=43_300), 2026).self_employment_tax_cents == 0


def test_a_business_loss_lowers_magi_and_owes_no_se_tax() -> None:
    result = magi(IncomeParts(wages_cents=3_000_000, self_employment_cents=-500_000), 2026)
    assert result.self_employment_tax_cents == 0
    assert result.cents == 2_500_000


def test_social_security_counts_whole_and_tax_exempt_interest_is_added_back() -> None:
    # AGI would hold only the taxable part of 18,000 of benefits and none of the interest;
    # MAGI adds back the rest of both (26 U.S.C. 36B(d)(2)(B)(ii)-(iii)).
    parts = IncomeParts(
        social_security_cents=1_800_000,
        tax_exempt_interest_cents=120_000,
        unemployment_cents=400_000,
        other_cents=250_000,
    )
    assert magi(parts, 2026).cents == 1_800_000 + 120_000 + 400_000 + 250_000


@pytest.mark.parametrize(
    ("parts", "year", "required", "threshold"),
    [
        # 2025: earned income up to the $15,750 standard deduction needs no return.
        (IncomeParts(wages_cents=1_575_000), 2025, False, 1_575_000),
        (IncomeParts(wages_cents=1_575_001), 2025, True, 1_575_000),
        # Unearned income only: the $1,350 floor.
        (IncomeParts(other_cents=135_000), 2025, False, 135_000),
        (IncomeParts(other_cents=135_001), 2025, True, 135_000),
        # Both: 2024, wages 3,000 + interest 1,000 = 4,000 > 3,000 + 450 = 3,450.
        (IncomeParts(wages_cents=300_000, other_cents=100_000), 2024, True, 345_000),
        # Social Security and tax-exempt interest are not gross income for this test.
        (
            IncomeParts(social_security_cents=900_000, tax_exempt_interest_cents=200_000),
            2026,
            False,
            135_000,
        ),
    ],
)
def test_dependent_must_file_when_gross_income_exceeds_their_standard_deduction(
    parts: IncomeParts, year: int, required: bool, threshold: int
) -> None:
    test = dependent_filing_test(parts, year)
    assert (test.required, test.threshold_cents) == (required, threshold)
    assert "42 CFR 435.603(d)(2)" in test.citation


def test_2027_filing_figures_carry_2026_forward_and_say_so() -> None:
    # No 2027 revenue procedure is in the data yet: the answer names the year it used.
    test = dependent_filing_test(IncomeParts(wages_cents=1_000_000), 2027)
    assert test.figures_year == 2026
    assert test.reference.startswith("Rev. Proc. 2025-32")
