"""Self-employment receipts become earned income less the cost of producing them.

The state chooses whether to offer a standard share of gross receipts in place of actual
costs, and whether documented actual costs may still be claimed (7 CFR 273.11(b)(3); FNS
SNAP State Options Report). The household takes whichever it may claim is larger; costs
never exceed the receipts here (only farm losses offset other income, 273.11(a)(2)(iii),
which is not modelled).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

from services.usda.rules.citing import cite, dollars, rate_text
from services.usda.rules.facts import Member, Reason
from services.usda.rules.figures import Figures

LAW = "7 U.S.C. 2014(d)(9); 7 CFR 273.11(a)-(b)"


def countable(members: Iterable[Member], figures: Figures) -> tuple[int, Reason | None]:
    """(earned income from self-employment in cents, the reason) for the household."""
    listed = [m for m in members if m.self_employment_gross_cents]
    if not listed:
        return 0, None
    option = figures.self_employment()
    rate = option.value["standard_rate"] if option is not None else Fraction(0)
    actual_allowed = option.value["actual_costs_allowed"] if option is not None else True
    gross = sum(m.self_employment_gross_cents for m in listed)
    documented = sum(m.self_employment_costs_cents for m in listed)
    standard = math.floor(gross * rate + Fraction(1, 2))
    actual = documented if actual_allowed or not rate else 0
    deduction = min(gross, max(standard, actual))
    how = (
        f"the state's standard {rate_text(rate)} of receipts"
        if standard >= actual and rate
        else "documented costs"
    )
    return gross - deduction, Reason(
        "SELF_EMPLOYMENT_COSTS_DEDUCTED",
        f"Self-employment receipts of {dollars(gross)} less costs of {dollars(deduction)} "
        f"({how}) count as earned income of {dollars(gross - deduction)}.",
        cite(LAW, option),
        {
            "self_employment_gross_cents": str(gross),
            "self_employment_documented_costs_cents": str(documented),
            "state_standard_rate": rate_text(rate),
            "actual_costs_allowed": str(actual_allowed).lower(),
            "self_employment_deduction_cents": str(deduction),
            "self_employment_earned_cents": str(gross - deduction),
        },
    )
