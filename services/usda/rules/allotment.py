"""The monthly allotment: the maximum allotment less 30% of net income, rounded up to the
next dollar (7 U.S.C. 2017(a); 7 CFR 273.10(e)(2)(ii)(A)), with the minimum benefit for
households of one or two (7 CFR 273.10(e)(2)(ii)(C))."""

from __future__ import annotations

import math
from fractions import Fraction

from services.usda.rules.citing import cite, dollars, rate_text
from services.usda.rules.facts import Reason
from services.usda.rules.figures import Figures


def _minimum(figures: Figures, share: Fraction) -> tuple[int, str, Reason | None]:
    published = figures.published_minimum_benefit()
    if published is not None:
        return published.value, cite("7 U.S.C. 2017(a); 7 CFR 273.10(e)(2)(ii)(C)", published), None
    one_person = figures.max_allotment(1)
    # 8% of the one-person allotment, to the nearest dollar, as the statute sets it.
    derived = math.floor(one_person.value // 100 * share + Fraction(1, 2)) * 100
    note = Reason(
        "MINIMUM_BENEFIT_DERIVED",
        f"FNS's published minimum benefit for FY{figures.fiscal_year} in this region is not "
        f"loaded; it is taken as {rate_text(share)} of the one-person maximum allotment "
        f"({dollars(one_person.value)}), rounded to the nearest dollar: {dollars(derived)}.",
        cite("7 U.S.C. 2017(a); 7 CFR 273.10(e)(2)(ii)(C)", one_person),
        {
            "one_person_max_allotment_cents": str(one_person.value),
            "minimum_benefit_cents": str(derived),
        },
    )
    return derived, note.citation, note


def compute(size: int, net_cents: int, figures: Figures) -> tuple[bool, int, list[Reason]]:
    """For a household that passed its tests: (still eligible, allotment cents, reasons)."""
    maximum = figures.max_allotment(size)
    rate = figures.benefit_reduction_rate()
    contribution = math.ceil(net_cents * rate.value / 100) * 100
    benefit = maximum.value - contribution
    # A contribution above the maximum leaves nothing, not a debt: the figures and words
    # say "nothing" rather than a negative sum a reader would take for an amount owed.
    computed = max(benefit, 0)
    values = {
        "max_allotment_cents": str(maximum.value),
        "net_income_cents": str(net_cents),
        "benefit_reduction_rate": rate_text(rate.value),
        "expected_contribution_cents": str(contribution),
        "computed_allotment_cents": str(computed),
    }
    reasons = [
        Reason(
            "ALLOTMENT_COMPUTED",
            f"The maximum allotment for {size} ({dollars(maximum.value)}) less "
            f"{rate_text(rate.value)} of net income rounded up to the next dollar "
            f"({dollars(contribution)}) "
            + (f"is {dollars(benefit)}." if benefit > 0 else "leaves nothing."),
            cite("7 U.S.C. 2017(a); 7 CFR 273.10(e)(2)(ii)(A)", maximum),
            values,
        )
    ]
    max_size, share, _ = figures.minimum_benefit_rule()
    if size <= max_size:
        minimum, citation, derived_note = _minimum(figures, share)
        if derived_note is not None:
            reasons.append(derived_note)
        if benefit < minimum:
            came_to = dollars(benefit) if benefit > 0 else "nothing"
            reasons.append(
                Reason(
                    "MINIMUM_BENEFIT_APPLIED",
                    f"The benefit computed from income ({came_to}) is below the minimum "
                    f"benefit, so this eligible household of {size} gets the minimum "
                    f"allotment of {dollars(minimum)}.",
                    citation,
                    {
                        "minimum_benefit_cents": str(minimum),
                        "computed_allotment_cents": str(computed),
                    },
                )
            )
            benefit = minimum
        return True, benefit, reasons
    if benefit <= 0:
        reasons.append(
            Reason(
                "NO_BENEFIT_PAYABLE",
                f"Thirty percent of net income is at least the maximum allotment; a household "
                f"of {size} with no benefit is not certified.",
                "7 CFR 273.10(e)(2)(iii)",
                {"computed_allotment_cents": str(computed)},
            )
        )
        return False, 0, reasons
    return True, benefit, reasons
