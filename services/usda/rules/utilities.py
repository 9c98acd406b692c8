"""Which standard utility allowance (SUA) a household adds to its shelter costs, and why.

A household that pays for heating or cooling gets its state's heating and cooling SUA
(7 U.S.C. 2014(e)(6)(C); 7 CFR 273.9(d)(6)(iii)). In states that confer it through an
energy-assistance payment, such a payment counts too, but since July 4, 2025 only for
households with an elderly or disabled member (P.L. 119-21 s.10103). The figure is the
state's, by household size or utility region where it varies them; a figure not yet
published for the fiscal year is the latest earlier one, and the answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.usda.rules.citing import cite, dollars
from services.usda.rules.facts import Expenses, Reason
from services.usda.rules.figures import Figure, Figures, cents, fiscal_year
from services.usda.rules.household import HouseholdSummary

SUA_LAW = "7 U.S.C. 2014(e)(6)(C); 7 CFR 273.9(d)(6)(iii)"
ENERGY_LAW = "7 U.S.C. 2014(e)(6)(C)(iv); 7 CFR 273.9(d)(6)(iii)(E); P.L. 119-21 s.10103"


@dataclass(frozen=True)
class Allowance:
    figure: Figure | None  # cents; None when no SUA is added
    basis: str  # how the figure was chosen, for the shelter reason


def _conferred(
    summary: HouseholdSummary, expenses: Expenses, figures: Figures
) -> tuple[bool, list[Reason]]:
    if expenses.pays_heating_or_cooling:
        return True, []
    if not expenses.received_energy_assistance:
        return False, []
    option = figures.sua_without_heating_cooling_cost()
    if option is None or not option.value:
        return False, [
            Reason(
                "ENERGY_ASSISTANCE_DOES_NOT_CONFER_SUA",
                f"{figures.state_code} does not give the utility allowance for an "
                "energy-assistance payment without a heating or cooling bill.",
                cite(ENERGY_LAW, option),
                {},
            )
        ]
    limited = figures.energy_assistance_needs_elderly_or_disabled()
    if limited.value and not summary.elderly_or_disabled:
        return False, [
            Reason(
                "ENERGY_ASSISTANCE_SUA_LIMITED",
                "Since July 4, 2025 an energy-assistance payment confers the utility "
                "allowance only on a household with an elderly or disabled member; this "
                "household has none, so no allowance is added.",
                ENERGY_LAW,
                {"limit_in_force_since": limited.effective_from.isoformat()},
            )
        ]
    return True, [
        Reason(
            "ENERGY_ASSISTANCE_CONFERS_SUA",
            f"{figures.state_code} gives the utility allowance for an energy-assistance "
            "payment without a heating or cooling bill"
            + (
                " (since July 4, 2025 only with an elderly or disabled member)."
                if limited.value
                else "."
            ),
            cite(ENERGY_LAW, option),
            {},
        )
    ]


def resolve_region(utility_region: str, county: str, figures: Figures) -> tuple[str, str]:
    """(the utility region, how it was found) where the state sets SUAs by region."""
    if figures.utility_allowance_by_region() is None:
        return "", ""
    if utility_region:
        return utility_region, "as given"
    by_county = figures.utility_region_by_county()
    if by_county is None or not county:
        return "", ""
    table = by_county.value
    return table["counties"].get(county, table["otherwise"]), f"from the county, {county}"


def _amount(
    size: int, utility_region: str, how: str, figures: Figures
) -> tuple[Figure | None, str]:
    by_region = figures.utility_allowance_by_region()
    if by_region is not None and utility_region:
        if utility_region not in by_region.value:
            raise ValueError(f"{utility_region} is not a utility region of {figures.state_code}")
        dollars_ = by_region.value[utility_region]
        figure = Figure(cents(dollars_), by_region.source, by_region.effective_from)
        return figure, f"for utility region {utility_region}, {how}"
    by_size = figures.utility_allowance_by_size()
    if by_size is not None:
        sizes = by_size.value["by_size"]
        figure = Figure(
            cents(sizes[min(size, len(sizes)) - 1]), by_size.source, by_size.effective_from
        )
        return figure, f"for a household of {size}"
    single = figures.utility_allowance()
    if single is not None and by_region is not None:
        return single, "the state's default region, as no utility region was given"
    return single, ""


def choose(
    summary: HouseholdSummary,
    expenses: Expenses,
    region: tuple[str, str],
    figures: Figures,
) -> tuple[Allowance, list[Reason]]:
    """``region`` is resolve_region's answer: the utility region and how it was found."""
    conferred, reasons = _conferred(summary, expenses, figures)
    if not conferred:
        return Allowance(None, ""), reasons
    figure, basis = _amount(summary.size, region[0], region[1], figures)
    if figure is None:
        return Allowance(None, f"no utility allowance is loaded for {figures.state_code}"), reasons
    if figure.effective_from < figures.fiscal_year_start:
        year = fiscal_year(figure.effective_from)
        reasons.append(
            Reason(
                "STATE_FIGURE_CARRIED_FORWARD",
                f"FY{year} utility allowance carried forward: no FY{figures.fiscal_year} "
                f"figure for {figures.state_code} is loaded, so the FY{year} figure of "
                f"{dollars(figure.value)}, in force since {figure.effective_from.isoformat()}, "
                "is used.",
                cite(SUA_LAW, figure),
                {
                    "utility_allowance_cents": str(figure.value),
                    "figure_fiscal_year": str(year),
                    "fiscal_year": str(figures.fiscal_year),
                    "in_force_since": figure.effective_from.isoformat(),
                },
            )
        )
    return Allowance(figure, basis), reasons
