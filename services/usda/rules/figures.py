"""The published SNAP figures for one benefit month and state, read from the parameters.

Figures follow the fiscal year of the benefit month (October to September). Alaska and
Hawaii have their own tables (Alaska's allotments by allotment area); every other state and
DC uses the 48-state table. A federal figure this service has not loaded raises
FiguresUnavailable: the rules never fill a gap with a guess. A state's own figures (utility
allowances, options) stay in force until the next is loaded, and the rules say when one is
carried forward from an earlier fiscal year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from shared.parameters import ParameterError, ParameterSet, ParameterValue

_REGIONS = {"AK": "alaska", "HI": "hawaii"}
ALASKA_AREAS = ("urban", "rural_1", "rural_2")


def region_of(state_code: str) -> str:
    """7 U.S.C. 2012(u) and 2014(c) set separate figures for Alaska and Hawaii."""
    return _REGIONS.get(state_code, "contiguous")


def fiscal_year(month: dt.date) -> int:
    return month.year + 1 if month.month >= 10 else month.year


class FiguresUnavailable(LookupError):
    """A figure the rules need is not loaded for this fiscal year and region."""

    def __init__(self, parameter: str, region: str, year: int) -> None:
        super().__init__(f"{parameter} is not loaded for {region} in FY{year}")
        self.parameter = parameter
        self.region = region
        self.fiscal_year = year


@dataclass(frozen=True)
class Figure:
    """One figure in cents (or a rate), with where it comes from and since when."""

    value: Any
    source: str
    effective_from: dt.date


def cents(dollars: Any) -> int:
    return int(Fraction(str(dollars)) * 100)


@lru_cache(maxsize=256)
def short_source(reference: str) -> str:
    """The publication's title, without the pinpoint, for a reason's citation."""
    if not reference.startswith("USDA"):
        return ""
    return reference.split(" (", 1)[0].rstrip(".:;")


class Figures:
    """Typed, memoised access to the parameters in force in one month for one state."""

    def __init__(
        self, params: ParameterSet, month: dt.date, state_code: str, alaska_area: str = ""
    ) -> None:
        self._params = params
        self.month = month
        self.state_code = state_code
        self.region = region_of(state_code)
        # Alaska's allotments differ by area; its other figures are one state-wide table.
        self.alaska_area = (alaska_area or "urban") if self.region == "alaska" else ""
        self.allotment_region = f"alaska_{self.alaska_area}" if self.alaska_area else self.region
        self.fiscal_year = fiscal_year(month)
        self._memo: dict[tuple[str, ...], Any] = {}

    @property
    def fiscal_year_start(self) -> dt.date:
        return dt.date(self.fiscal_year - 1, 10, 1)

    def _entry(self, name: str) -> ParameterValue:
        entry = self._optional_entry(name)
        if entry is None:
            raise FiguresUnavailable(name, self.region, self.fiscal_year)
        return entry

    def _optional_entry(self, name: str) -> ParameterValue | None:
        key = ("optional", name)
        if key not in self._memo:
            try:
                self._memo[key] = self._params.entry(name, self.month)
            except ParameterError:
                self._memo[key] = None
        return self._memo[key]

    def _regional(self, name: str, region: str = "") -> tuple[Any, ParameterValue]:
        region = region or self.region
        entry = self._entry(name)
        if region not in entry.value:
            raise FiguresUnavailable(name, region, self.fiscal_year)
        return entry.value[region], entry

    def _by_size(self, name: str, size: int, region: str = "") -> Figure:
        key = (name, str(size))
        if key not in self._memo:
            table, entry = self._regional(name, region)
            sizes = table["by_size"]
            if size <= len(sizes):
                dollars = sizes[size - 1]
            elif "each_additional" in table:
                dollars = sizes[-1] + (size - len(sizes)) * table["each_additional"]
            else:  # the last size covers every larger household
                dollars = sizes[-1]
            self._memo[key] = Figure(cents(dollars), entry.reference, entry.effective_from)
        return self._memo[key]

    def _regional_amount(self, name: str) -> Figure:
        if (name,) not in self._memo:
            dollars, entry = self._regional(name)
            self._memo[(name,)] = Figure(cents(dollars), entry.reference, entry.effective_from)
        return self._memo[(name,)]

    def _constant(self, name: str, convert: Any = Fraction) -> Figure:
        if (name,) not in self._memo:
            entry = self._entry(name)
            value = convert(str(entry.value))
            self._memo[(name,)] = Figure(value, entry.reference, entry.effective_from)
        return self._memo[(name,)]

    def net_standard(self, size: int) -> Figure:
        return self._by_size("usda.snap.net_income_standard", size)

    def gross_standard(self, size: int) -> Figure:
        return self._by_size("usda.snap.gross_income_standard", size)

    def max_allotment(self, size: int) -> Figure:
        return self._by_size("usda.snap.max_allotment", size, self.allotment_region)

    def standard_deduction(self, size: int) -> Figure:
        return self._by_size("usda.snap.standard_deduction", size)

    def shelter_cap(self) -> Figure:
        return self._regional_amount("usda.snap.excess_shelter_cap")

    def homeless_shelter_deduction(self) -> Figure:
        return self._constant("usda.snap.homeless_shelter_deduction", cents)

    def earned_income_rate(self) -> Figure:
        return self._constant("usda.snap.earned_income_deduction_rate")

    def medical_threshold(self) -> Figure:
        return self._constant("usda.snap.medical_expense_threshold", cents)

    def shelter_income_share(self) -> Figure:
        return self._constant("usda.snap.excess_shelter_income_share")

    def benefit_reduction_rate(self) -> Figure:
        return self._constant("usda.snap.benefit_reduction_rate")

    def elderly_age(self) -> Figure:
        return self._constant("usda.snap.elderly_age", int)

    def minimum_benefit_rule(self) -> tuple[int, Fraction, str]:
        entry = self._entry("usda.snap.minimum_benefit_rule")
        value = entry.value
        return (
            int(value["max_household_size"]),
            Fraction(str(value["share_of_one_person_allotment"])),
            entry.reference,
        )

    def published_minimum_benefit(self) -> Figure | None:
        """FNS's published minimum benefit, or None where it is not loaded."""
        entry = self._entry("usda.snap.minimum_benefit")
        if self.allotment_region not in entry.value:
            return None
        value = entry.value[self.allotment_region]
        return Figure(cents(value), entry.reference, entry.effective_from)

    def utility_allowance(self) -> Figure | None:
        """The state's single heating and cooling SUA in force, or None where none is loaded."""
        return self._state_figure("usda.snap.sua", cents)

    def utility_allowance_by_size(self) -> Figure | None:
        """{"by_size": [...]} where the state sets its SUA by household size."""
        return self._state_figure("usda.snap.sua_by_size")

    def utility_allowance_by_region(self) -> Figure | None:
        """{region code: dollars} where the state sets its SUA by utility region."""
        return self._state_figure("usda.snap.sua_by_region")

    def utility_region_by_county(self) -> Figure | None:
        """{"counties": {county: region}, "otherwise": region} where regions follow counties."""
        return self._state_figure("usda.snap.utility_region_by_county")

    def sua_without_heating_cooling_cost(self) -> Figure | None:
        """Whether an energy-assistance payment confers the SUA in this state."""
        return self._state_figure("usda.snap.sua_without_heating_cooling_cost", bool)

    def energy_assistance_needs_elderly_or_disabled(self) -> Figure:
        return self._constant(
            "usda.snap.energy_assistance_confers_sua_only_elderly_disabled", lambda v: v == "True"
        )

    def self_employment(self) -> Figure | None:
        """{"standard_rate": Fraction, "actual_costs_allowed": bool} for the state."""
        return self._state_figure(
            "usda.snap.self_employment",
            lambda v: {
                "standard_rate": Fraction(str(v["standard_rate"])),
                "actual_costs_allowed": bool(v["actual_costs_allowed"]),
            },
        )

    def bbce_percent(self) -> Figure | None:
        """The state's BBCE gross income limit in percent of poverty, None without BBCE."""
        entry = self._optional_entry(f"usda.snap.bbce_gross_limit_percent.{self.state_code}")
        if entry is None or entry.value is None:
            return None
        return Figure(int(entry.value), entry.reference, entry.effective_from)

    def bbce_elderly_disabled_percent(self) -> Figure | None:
        """The BBCE limit for households with an elderly or disabled member: a percent,
        NO_LIMIT, or None where the state sets none of its own."""
        return self._state_figure(
            "usda.snap.bbce_elderly_disabled_limit_percent",
            lambda v: v if v is None or v == "NO_LIMIT" else int(v),
        )

    def bbce_net_income_test(self) -> Figure | None:
        """{"applies": bool, "applies_elderly_disabled": bool}: the net test under BBCE."""
        return self._state_figure("usda.snap.bbce_net_income_test", dict)

    def _state_figure(self, prefix: str, convert: Any = None) -> Figure | None:
        entry = self._optional_entry(f"{prefix}.{self.state_code}")
        if entry is None:
            return None
        value = entry.value if convert is None else convert(entry.value)
        return Figure(value, entry.reference, entry.effective_from)


@lru_cache(maxsize=4096)
def figures_for(
    params: ParameterSet, month: dt.date, state_code: str, alaska_area: str = ""
) -> Figures:
    """Shared per (parameters, month, state, area) so repeated determinations reuse lookups."""
    return Figures(params, month, state_code, alaska_area)


def loaded_fiscal_years(params: ParameterSet) -> list[int]:
    """The fiscal years whose income standards are loaded; every other table follows them."""
    return sorted(
        fiscal_year(value.effective_from)
        for value in params.history("usda.snap.net_income_standard")
    )


def utility_regions(params: ParameterSet, state_code: str, month: dt.date) -> set[str]:
    """The utility-allowance regions a state sets, as loaded for the month (or latest)."""
    try:
        history = params.history(f"usda.snap.sua_by_region.{state_code}")
    except ParameterError:
        return set()
    in_force = [v for v in history if v.effective_from <= month] or history
    return set(in_force[-1].value)
