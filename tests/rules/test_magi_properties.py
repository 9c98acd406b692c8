"""Invariants of the MAGI calculation (shared/magi.py), for every year it has figures."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from shared.magi import IncomeParts, dependent_filing_test, magi

YEARS = st.integers(2023, 2027)
CENTS = st.integers(0, 50_000_000)
PROFIT = st.integers(-10_000_000, 50_000_000)


@st.composite
def parts(draw: st.DrawFn) -> IncomeParts:
    return IncomeParts(
        wages_cents=draw(CENTS),
        self_employment_cents=draw(PROFIT),
        social_security_cents=draw(CENTS),
        unemployment_cents=draw(CENTS),
        tax_exempt_interest_cents=draw(CENTS),
        other_cents=draw(CENTS),
    )


@given(parts(), CENTS, YEARS)
def test_more_wages_never_lowers_magi(base: IncomeParts, more: int, year: int) -> None:
    richer = IncomeParts(**{**base.__dict__, "wages_cents": base.wages_cents + more})
    assert magi(richer, year).cents >= magi(base, year).cents


# Below $400 of net earnings there is no self-employment tax (26 U.S.C. 1402(b)(2)), so
# crossing it can lower MAGI by at most the deduction then due: half of 15.3% of $400.
SE_THRESHOLD_DEDUCTION_CENTS = 3060


@given(parts(), CENTS, YEARS)
def test_more_self_employment_profit_never_lowers_magi_past_the_400_dollar_threshold(
    base: IncomeParts, more: int, year: int
) -> None:
    richer = IncomeParts(
        **{**base.__dict__, "self_employment_cents": base.self_employment_cents + more}
    )
    before, after = magi(base, year), magi(richer, year)
    crossed = before.self_employment_tax_cents == 0 < after.self_employment_tax_cents
    allowance = SE_THRESHOLD_DEDUCTION_CENTS if crossed else 0
    assert after.cents >= before.cents - allowance


def test_crossing_the_400_dollar_threshold_is_the_one_place_more_profit_lowers_magi() -> None:
    """Found by hypothesis: $427.97 of profit is $395.24 of net earnings, under the $400
    floor, so no tax; $433.14 is $400.00, taxed: MAGI falls by $25.43. The law's own cliff."""
    under = magi(IncomeParts(0, 42797, 0, 0, 0, 0), 2023)
    over = magi(IncomeParts(0, 43314, 0, 0, 0, 0), 2023)
    assert (under.self_employment_tax_cents, over.self_employment_tax_cents) == (0, 6120)
    assert over.cents == 43314 - 3060 < under.cents


@given(parts(), YEARS)
def test_se_deduction_is_at_most_half_of_15_3_percent_of_92_35_percent_of_profit(
    p: IncomeParts, year: int
) -> None:
    result = magi(p, year)
    ceiling = (
        Fraction(1, 2) * Fraction("0.153") * Fraction("0.9235") * max(p.self_employment_cents, 0)
    )
    assert 0 <= result.self_employment_deduction_cents <= ceiling + 1


@given(parts(), YEARS)
def test_magi_is_every_part_less_only_the_se_deduction(p: IncomeParts, year: int) -> None:
    result = magi(p, year)
    total = (
        p.wages_cents
        + p.self_employment_cents
        + p.social_security_cents
        + p.unemployment_cents
        + p.tax_exempt_interest_cents
        + p.other_cents
    )
    assert result.cents == total - result.self_employment_deduction_cents


@given(parts(), CENTS, YEARS)
def test_more_unearned_income_never_lifts_a_dependents_filing_requirement(
    p: IncomeParts, more: int, year: int
) -> None:
    richer = IncomeParts(**{**p.__dict__, "other_cents": p.other_cents + more})
    assert dependent_filing_test(richer, year).required >= dependent_filing_test(p, year).required
