"""The applicable percentage: the share of household income a family is expected to pay
toward the benchmark plan.

Household income is first expressed as a whole percentage of the poverty line, dropping
any fraction (Form 8962 instructions, line 5 worksheet); within its band the percentage
then rises linearly from the initial to the final figure (26 U.S.C. 36B(b)(3)(A)(i)) and
is rounded to the nearest hundredth of a percent (26 CFR 1.36B-3(g)(1)).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from shared.parameters import ParameterSet

TABLE = "hhs.aca.applicable_percentage"


def _exact(value: object) -> Fraction:
    return Fraction(Decimal(str(value)))


def half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator (denominator > 0) to the nearest whole number, halves up:
    round_half_up in whole numbers, without building Fractions."""
    return (numerator * 2 + denominator) // (2 * denominator)


def round_half_up(value: Fraction, places: int = 0) -> Fraction:
    scaled = value * 10**places
    rounded = (scaled.numerator * 2 + scaled.denominator) // (2 * scaled.denominator)
    return Fraction(rounded, 10**places)


@dataclass(frozen=True)
class ApplicablePercentage:
    percent: Fraction  # 4.19 means 4.19% of household income
    fpl_percent_used: int
    band: str
    reference: str


def whole_percent_of_fpl(percent: Fraction) -> int:
    """Drop the fraction of a percentage of the poverty line (Form 8962, line 5)."""
    return percent.numerator // percent.denominator


# The same whole percentage of the poverty line comes up for many households of a year, and
# a loaded ParameterSet never changes: each is worked out once.
@functools.lru_cache(maxsize=8192)
def applicable_percentage(
    params: ParameterSet, plan_year: int, fpl_percent: int
) -> ApplicablePercentage:
    entry = params.entry(TABLE, dt.date(plan_year, 1, 1))
    bands = entry.value
    for band in bands:
        start, end = int(band["from"]), band["to"]
        last = band is bands[-1]
        inside = fpl_percent >= start and (end is None or fpl_percent < int(end) or last)
        if not inside:
            continue
        initial, final = _exact(band["initial"]), _exact(band["final"])
        if end is None or int(end) == start:
            value = initial
        else:
            share = Fraction(min(fpl_percent, int(end)) - start, int(end) - start)
            value = initial + (final - initial) * share
        label = f"{start}-{end if end is not None else ''}%"
        return ApplicablePercentage(round_half_up(value, 2), fpl_percent, label, entry.reference)
    raise ValueError(f"no applicable-percentage band for {fpl_percent}% of FPL in {plan_year}")
