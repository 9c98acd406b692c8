"""Net income: gross income less the SNAP deductions, in the order of 7 CFR 273.10(e)(1)(i).

Amounts are exact cents (the option of 7 CFR 273.10(e)(1)(ii) to use exact figures); a
share of an amount is rounded to the nearest cent, except that half of income for the
shelter test is rounded up so the household never gains from the rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from services.usda.rules.citing import cite, dollars, rate_text
from services.usda.rules.facts import Expenses, Reason
from services.usda.rules.figures import Figure, Figures
from services.usda.rules.household import HouseholdSummary
from services.usda.rules.utilities import Allowance, choose


def _nearest_cent(amount: Fraction) -> int:
    return math.floor(amount + Fraction(1, 2))


@dataclass(frozen=True)
class Shelter:
    costs_cents: int
    utility_allowance_cents: int
    half_income_cents: int
    uncapped_cents: int
    deduction_cents: int
    capped: bool


@dataclass(frozen=True)
class NetIncome:
    earned_deduction_cents: int
    standard_deduction_cents: int
    medical_deduction_cents: int
    dependent_care_cents: int
    child_support_cents: int
    adjusted_cents: int
    shelter: Shelter
    homeless_deduction_cents: int
    net_cents: int


def _shelter(
    summary: HouseholdSummary,
    expenses: Expenses,
    adjusted: int,
    figures: Figures,
    allowance: Allowance,
) -> tuple[Shelter, Figure | None, Figure | None]:
    sua = allowance.figure
    sua_cents = sua.value if sua is not None else 0
    costs = expenses.shelter_cents + sua_cents
    half = math.ceil(adjusted * figures.shelter_income_share().value)
    uncapped = max(0, costs - half)
    cap = None if summary.elderly_or_disabled else figures.shelter_cap()
    deduction = uncapped if cap is None else min(uncapped, cap.value)
    return (
        Shelter(expenses.shelter_cents, sua_cents, half, uncapped, deduction, deduction < uncapped),
        sua,
        cap,
    )


def compute(
    summary: HouseholdSummary,
    expenses: Expenses,
    figures: Figures,
    utility_region: tuple[str, str] = ("", ""),
) -> tuple[NetIncome, list[Reason]]:
    """``utility_region``: the region and how it was found (utilities.resolve_region)."""
    reasons: list[Reason] = []
    allowance, utility_reasons = choose(summary, expenses, utility_region, figures)
    rate = figures.earned_income_rate()
    earned_deduction = _nearest_cent(summary.earned_cents * rate.value)
    standard = figures.standard_deduction(summary.size)
    medical = 0
    threshold = figures.medical_threshold()
    if summary.elderly_or_disabled:
        medical = max(0, expenses.medical_cents - threshold.value)
    adjusted = max(
        0,
        summary.gross_cents
        - earned_deduction
        - standard.value
        - medical
        - expenses.dependent_care_cents
        - expenses.child_support_paid_cents,
    )

    shelter, sua, cap = _shelter(summary, expenses, adjusted, figures, allowance)
    net = max(0, adjusted - shelter.deduction_cents)
    homeless = 0
    homeless_figure = None
    if expenses.homeless:
        homeless_figure = figures.homeless_shelter_deduction()
        # The household takes whichever of the homeless deduction and its actual costs
        # leaves it the lower net income (7 CFR 273.9(d)(6)(i)).
        if max(0, adjusted - homeless_figure.value) < net:
            homeless = homeless_figure.value
            net = max(0, adjusted - homeless)

    if summary.earned_cents:
        reasons.append(
            Reason(
                "EARNED_INCOME_DEDUCTION",
                f"{rate_text(rate.value)} of earned income ({dollars(earned_deduction)}) "
                "is not counted.",
                "7 U.S.C. 2014(e)(2)(B); 7 CFR 273.9(d)(2)",
                {
                    "earned_income_cents": str(summary.earned_cents),
                    "earned_income_deduction_rate": rate_text(rate.value),
                    "earned_income_deduction_cents": str(earned_deduction),
                },
            )
        )
    reasons.append(
        Reason(
            "STANDARD_DEDUCTION",
            f"The standard deduction for a household of {summary.size} is "
            f"{dollars(standard.value)}.",
            cite("7 U.S.C. 2014(e)(1); 7 CFR 273.9(d)(1)", standard),
            {"standard_deduction_cents": str(standard.value)},
        )
    )
    if expenses.medical_cents:
        reasons.append(_medical_reason(summary, expenses, medical, threshold))
    if expenses.dependent_care_cents:
        reasons.append(
            Reason(
                "DEPENDENT_CARE_DEDUCTION",
                f"Dependent care costs of {dollars(expenses.dependent_care_cents)} are "
                "deducted in full (there is no federal cap).",
                "7 U.S.C. 2014(e)(3); 7 CFR 273.9(d)(4)",
                {"dependent_care_cents": str(expenses.dependent_care_cents)},
            )
        )
    if expenses.child_support_paid_cents:
        reasons.append(
            Reason(
                "CHILD_SUPPORT_DEDUCTION",
                f"Legally owed child support paid, {dollars(expenses.child_support_paid_cents)}"
                ", is deducted.",
                "7 U.S.C. 2014(e)(4); 7 CFR 273.9(d)(5)",
                {"child_support_paid_cents": str(expenses.child_support_paid_cents)},
            )
        )
    if homeless:
        reasons.append(
            Reason(
                "HOMELESS_SHELTER_DEDUCTION",
                f"The household is homeless and takes the homeless shelter deduction of "
                f"{dollars(homeless)} in place of its actual shelter costs.",
                cite("7 U.S.C. 2014(e)(6)(D); 7 CFR 273.9(d)(6)(i)", homeless_figure),
                {
                    "homeless_shelter_deduction_cents": str(homeless),
                    "adjusted_income_cents": str(adjusted),
                },
            )
        )
    else:
        reasons.extend(utility_reasons)
        reasons.append(_shelter_reason(adjusted, shelter, allowance, cap))
    return (
        NetIncome(
            earned_deduction,
            standard.value,
            medical,
            expenses.dependent_care_cents,
            expenses.child_support_paid_cents,
            adjusted,
            shelter,
            homeless,
            net,
        ),
        reasons,
    )


def _medical_reason(
    summary: HouseholdSummary, expenses: Expenses, medical: int, threshold: Figure
) -> Reason:
    figures = {
        "medical_costs_cents": str(expenses.medical_cents),
        "medical_threshold_cents": str(threshold.value),
        "medical_deduction_cents": str(medical),
    }
    if not summary.elderly_or_disabled:
        return Reason(
            "MEDICAL_COSTS_NOT_DEDUCTIBLE",
            "Medical costs are deductible only for households with an elderly or disabled member.",
            "7 U.S.C. 2014(e)(5); 7 CFR 273.9(d)(3)",
            figures,
        )
    return Reason(
        "EXCESS_MEDICAL_DEDUCTION",
        f"Medical costs of elderly or disabled members above {dollars(threshold.value)} a "
        f"month ({dollars(medical)}) are deducted.",
        "7 U.S.C. 2014(e)(5); 7 CFR 273.9(d)(3)",
        figures,
    )


def _shelter_reason(
    adjusted: int, shelter: Shelter, allowance: Allowance, cap: Figure | None
) -> Reason:
    sua = allowance.figure
    values = {
        "adjusted_income_cents": str(adjusted),
        "shelter_costs_cents": str(shelter.costs_cents),
        "utility_allowance_cents": str(shelter.utility_allowance_cents),
        "half_adjusted_income_cents": str(shelter.half_income_cents),
        "excess_shelter_uncapped_cents": str(shelter.uncapped_cents),
        "excess_shelter_deduction_cents": str(shelter.deduction_cents),
        "excess_shelter_cap_cents": str(cap.value) if cap is not None else "none",
    }
    notes = []
    if sua is None and allowance.basis:
        notes.append(f"{allowance.basis}, so none is added")
    elif sua is not None:
        values["utility_allowance_in_force_since"] = sua.effective_from.isoformat()
        note = f"the state's heating and cooling utility allowance of {dollars(sua.value)}"
        if allowance.basis:
            note += f" ({allowance.basis})"
        notes.append(note + " is added to shelter costs")
    if cap is None:
        notes.append("an elderly or disabled member lifts the cap")
    elif shelter.capped:
        notes.append(f"it is capped at {dollars(cap.value)}")
    detail = f"; {'; '.join(notes)}" if notes else ""
    return Reason(
        "EXCESS_SHELTER_DEDUCTION",
        f"Shelter costs above half of adjusted income are deducted: "
        f"{dollars(shelter.deduction_cents)}{detail}.",
        cite("7 U.S.C. 2014(e)(6); 7 CFR 273.9(d)(6)(ii)-(iii)", cap, sua),
        values,
    )
