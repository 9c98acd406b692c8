"""The poverty line a household is measured against, and which year's guidelines apply.

Marketplace help uses the guidelines most recently published when open enrollment for the
plan year began (plan year N: the guidelines published in N-1). Medicaid and CHIP use the
guidelines in force on the day of the determination, clamped into the plan year. Both
rules live in ``hhs.poverty_guideline_timing``; the figures in ``hhs.poverty_guidelines``.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from fractions import Fraction

from services.hhs.results import percent_text
from shared.parameters import ParameterSet

GUIDELINES = "hhs.poverty_guidelines"
TIMING = "hhs.poverty_guideline_timing"
SEPARATE_REGIONS = ("AK", "HI")


@dataclass(frozen=True)
class PovertyLine:
    cents: int
    guideline_year: int
    household_size: int
    reference: str

    def percent_of(self, income_cents: int) -> Fraction:
        """Income as a percentage of this line: 150 means 150%."""
        return Fraction(income_cents * 100, self.cents)


# The members of a household mostly share one income and one line, and so one percentage:
# it and its text are worked out once.
@functools.lru_cache(maxsize=4096)
def percent_and_text(income_cents: int, line_cents: int) -> tuple[Fraction, str]:
    """``PovertyLine.percent_of`` and that percentage as reasons show it (two places)."""
    percent = Fraction(income_cents * 100, line_cents)
    return percent, percent_text(percent)


@functools.lru_cache(maxsize=256)
def marketplace_date(params: ParameterSet, plan_year: int) -> dt.date:
    rule = params.get(TIMING, dt.date(plan_year, 1, 1))["marketplace"]
    return dt.date(plan_year - int(rule["years_before_plan_year"]), rule["month"], rule["day"])


# Every person of every household asks; building the year's bounds was most of the cost.
@functools.lru_cache(maxsize=4096)
def medicaid_date(plan_year: int, determined_on: dt.date | None) -> dt.date:
    start, end = dt.date(plan_year, 1, 1), dt.date(plan_year, 12, 31)
    if determined_on is None:
        return start
    return min(max(determined_on, start), end)


# A loaded ParameterSet never changes, and the same (state, size, date) comes up for many
# households: each line is worked out once.
@functools.lru_cache(maxsize=8192)
def poverty_line(params: ParameterSet, state_code: str, size: int, on: dt.date) -> PovertyLine:
    entry = params.entry(GUIDELINES, on)
    region = entry.value[state_code if state_code in SEPARATE_REGIONS else "contiguous"]
    cents = int(region["first_person"]) + int(region["each_additional"]) * (max(size, 1) - 1)
    return PovertyLine(cents, int(entry.value["year"]), size, entry.reference)
