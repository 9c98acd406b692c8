"""Modified adjusted gross income from its parts: the one MAGI calculation of the project.

HHS decides Medicaid, CHIP and the premium tax credit on it, and the orchestrator compares
attested income with a Treasury return on it, so both read this module (pure: no gRPC, no
database) and the figures in shared/parameters_data/magi.yaml.

MAGI (26 U.S.C. 36B(d)(2)(B); 42 CFR 435.603(e)) here is:
  wages
  + net profit from self-employment, less the deductible half of the self-employment tax
    (26 U.S.C. 164(f), 1401, 1402): 12.4% on 92.35% of net profit up to the Social Security
    wage base less the wages already taxed, 2.9% on all of it, nothing below $400
  + Social Security benefits, all of them: AGI holds the taxable part and MAGI adds back the
    untaxed part (36B(d)(2)(B)(iii)), which together are the whole benefit
  + unemployment compensation (26 U.S.C. 85)
  + tax-exempt interest (36B(d)(2)(B)(ii))
  + pensions, investment and other income, as they enter AGI.
Foreign earned income (36B(d)(2)(B)(i)) is not asked for, and the Additional Medicare Tax is
not deductible, so it is not computed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from shared.parameters import ParameterSet, ParameterValue

PARAMETERS_FILE = Path(__file__).parent / "parameters_data" / "magi.yaml"
SE_TAX = "magi.self_employment_tax"
WAGE_BASE = "magi.social_security_wage_base"
DEPENDENT_FILING = "magi.dependent_filing_threshold"
MAGI_CITATION = (
    "26 U.S.C. 36B(d)(2)(B); 42 CFR 435.603(e); 26 U.S.C. 62(a)(1), 164(f), 1401, 1402(a)-(b)"
)
DEPENDENT_CITATION = "42 CFR 435.603(d)(2)(i)-(ii); 26 U.S.C. 36B(d)(2)(A); 26 U.S.C. 6012(a)(1)"


@dataclass(frozen=True)
class IncomeParts:
    """One person's annual income by the kinds MAGI treats differently, in cents."""

    wages_cents: int = 0
    # Net profit; negative for a loss.
    self_employment_cents: int = 0
    social_security_cents: int = 0
    unemployment_cents: int = 0
    tax_exempt_interest_cents: int = 0
    # Pensions, investment and other income: in AGI as they are.
    other_cents: int = 0


@dataclass(frozen=True)
class Magi:
    cents: int
    self_employment_tax_cents: int
    self_employment_deduction_cents: int
    wage_base_cents: int
    # The tax year whose wage base was used; earlier than asked when carried forward.
    wage_base_year: int
    figures: dict[str, str]
    citation: str = MAGI_CITATION


@dataclass(frozen=True)
class FilingTest:
    """Whether a tax dependent is expected to be required to file (their income then counts)."""

    required: bool
    gross_income_cents: int
    threshold_cents: int
    figures_year: int
    reference: str
    citation: str = DEPENDENT_CITATION


@lru_cache(maxsize=1)
def parameters() -> ParameterSet:
    return ParameterSet.load(PARAMETERS_FILE)


def _half_up(value: Fraction) -> int:
    """Whole cents, halves away from zero."""
    magnitude = (2 * abs(value.numerator) + value.denominator) // (2 * value.denominator)
    return -magnitude if value < 0 else magnitude


def _fraction(text: object) -> Fraction:
    return Fraction(Decimal(str(text)))


def _entry(params: ParameterSet, name: str, tax_year: int) -> ParameterValue:
    return params.entry(name, dt.date(tax_year, 1, 1))


@dataclass(frozen=True)
class _SeFigures:
    """One tax year's self-employment tax figures, parsed once: every household of the
    year reads the same ones."""

    net_earnings_share: Fraction
    minimum_net_earnings_cents: int
    oasdi_rate: Fraction
    hi_rate: Fraction
    deductible_share: Fraction
    wage_base_cents: int
    wage_base_year: int
    # The same rates as (numerator, denominator), for sums in whole numbers.
    net_earnings_share_ratio: tuple[int, int] = (0, 1)
    oasdi_rate_ratio: tuple[int, int] = (0, 1)
    hi_rate_ratio: tuple[int, int] = (0, 1)
    deductible_share_ratio: tuple[int, int] = (0, 1)


def _ratio(value: Fraction) -> tuple[int, int]:
    return value.numerator, value.denominator


@lru_cache(maxsize=256)
def _se_figures(params: ParameterSet, tax_year: int) -> _SeFigures:
    rates = _entry(params, SE_TAX, tax_year).value
    base_entry = _entry(params, WAGE_BASE, tax_year)
    share, oasdi, hi = (
        _fraction(rates["net_earnings_share"]),
        _fraction(rates["oasdi_rate"]),
        _fraction(rates["hi_rate"]),
    )
    deductible = _fraction(rates["deductible_share"])
    return _SeFigures(
        net_earnings_share=share,
        minimum_net_earnings_cents=int(rates["minimum_net_earnings_cents"]),
        oasdi_rate=oasdi,
        hi_rate=hi,
        deductible_share=deductible,
        wage_base_cents=int(base_entry.value),
        wage_base_year=base_entry.effective_from.year,
        net_earnings_share_ratio=_ratio(share),
        oasdi_rate_ratio=_ratio(oasdi),
        hi_rate_ratio=_ratio(hi),
        deductible_share_ratio=_ratio(deductible),
    )


def self_employment_tax_cents(
    net_profit_cents: int, wages_cents: int, tax_year: int, params: ParameterSet
) -> tuple[int, int, int]:
    """(tax, wage base, wage base year). Wages already taxed use up the wage base first
    (26 U.S.C. 1402(b)(1)); a loss or net earnings under the floor owe nothing."""
    figures = _se_figures(params, tax_year)
    base = figures.wage_base_cents
    # No profit, no net earnings: the tax is nil whatever the floor is.
    if net_profit_cents <= 0:
        return 0, base, figures.wage_base_year
    # The same sums as in Fractions (self_employment_tax_fractions), kept in whole numbers:
    # net earnings are earnings / share_den, and every product is put over one denominator.
    share_num, share_den = figures.net_earnings_share_ratio
    earnings = share_num * net_profit_cents
    if earnings < figures.minimum_net_earnings_cents * share_den:
        return 0, base, figures.wage_base_year
    oasdi_room = max(base - max(wages_cents, 0), 0)
    # min(net earnings, room) as taxed_num / taxed_den.
    if earnings <= oasdi_room * share_den:
        taxed_num, taxed_den = earnings, share_den
    else:
        taxed_num, taxed_den = oasdi_room, 1
    oasdi_num, oasdi_den = figures.oasdi_rate_ratio
    hi_num, hi_den = figures.hi_rate_ratio
    numerator = (
        oasdi_num * taxed_num * hi_den * share_den + hi_num * earnings * oasdi_den * taxed_den
    )
    denominator = oasdi_den * taxed_den * hi_den * share_den
    # Both rates and the earnings are positive here, so halves round up.
    return (2 * numerator + denominator) // (2 * denominator), base, figures.wage_base_year


def self_employment_tax_fractions(
    net_profit_cents: int, wages_cents: int, tax_year: int, params: ParameterSet
) -> int:
    """The tax as self_employment_tax_cents computes it, in Fractions: the plain form its
    whole-number arithmetic is checked against."""
    figures = _se_figures(params, tax_year)
    if net_profit_cents <= 0:
        return 0
    net_earnings = figures.net_earnings_share * net_profit_cents
    if net_earnings < figures.minimum_net_earnings_cents:
        return 0
    oasdi_room = max(figures.wage_base_cents - max(wages_cents, 0), 0)
    oasdi = figures.oasdi_rate * min(net_earnings, oasdi_room)
    hi = figures.hi_rate * net_earnings
    return _half_up(oasdi + hi)


def _deduction(params: ParameterSet, tax_year: int, se_tax_cents: int) -> int:
    """The deductible share of a positive self-employment tax, halves up, in whole numbers:
    _half_up(deductible_share * tax)."""
    num, den = _se_figures(params, tax_year).deductible_share_ratio
    return (2 * num * se_tax_cents + den) // (2 * den)


def magi(parts: IncomeParts, tax_year: int, params: ParameterSet | None = None) -> Magi:
    params = params or parameters()
    se_tax, base, base_year = self_employment_tax_cents(
        parts.self_employment_cents, parts.wages_cents, tax_year, params
    )
    deduction = _deduction(params, tax_year, se_tax) if se_tax else 0
    total = (
        parts.wages_cents
        + parts.self_employment_cents
        - deduction
        + parts.social_security_cents
        + parts.unemployment_cents
        + parts.tax_exempt_interest_cents
        + parts.other_cents
    )
    figures = {
        "magi_cents": str(total),
        "wages_cents": str(parts.wages_cents),
        "self_employment_net_profit_cents": str(parts.self_employment_cents),
        "self_employment_tax_cents": str(se_tax),
        "self_employment_tax_deduction_cents": str(deduction),
        "social_security_wage_base_cents": str(base),
        "social_security_wage_base_year": str(base_year),
        "social_security_benefits_cents": str(parts.social_security_cents),
        "unemployment_cents": str(parts.unemployment_cents),
        "tax_exempt_interest_cents": str(parts.tax_exempt_interest_cents),
        "other_income_cents": str(parts.other_cents),
        "tax_year": str(tax_year),
    }
    return Magi(total, se_tax, deduction, base, base_year, figures)


def dependent_filing_test(
    parts: IncomeParts, tax_year: int, params: ParameterSet | None = None
) -> FilingTest:
    """A single dependent under 65 and not blind must file when gross income exceeds their
    standard deduction: the greater of the floor or earned income plus the addition, capped
    at the single standard deduction (26 U.S.C. 63(c)(5); IRS Publication 501, Table 2).

    Gross income leaves out tax-exempt interest (26 U.S.C. 103) and Social Security: only its
    taxable part is gross income, and none is taxable while other income plus half the
    benefits stays under the $25,000 base amount of 26 U.S.C. 86(c)(1), which this takes a
    dependent's income to do."""
    params = params or parameters()
    floor, earned_addition, standard_deduction, year, reference = _filing_figures(params, tax_year)
    earned = max(parts.wages_cents, 0) + max(parts.self_employment_cents, 0)
    unearned = max(parts.unemployment_cents, 0) + max(parts.other_cents, 0)
    gross = earned + unearned
    threshold = min(max(floor, earned + earned_addition), standard_deduction)
    return FilingTest(gross > threshold, gross, threshold, year, reference)


@lru_cache(maxsize=256)
def _filing_figures(params: ParameterSet, tax_year: int) -> tuple[int, int, int, int, str]:
    """(floor, earned addition, single standard deduction, their year, reference): read and
    parsed once per tax year, as every dependent of the year asks."""
    entry = _entry(params, DEPENDENT_FILING, tax_year)
    figures = entry.value
    return (
        int(figures["floor"]),
        int(figures["earned_addition"]),
        int(figures["single_standard_deduction"]),
        entry.effective_from.year,
        entry.reference,
    )
