"""Household size, elderly or disabled status, and income totals (7 CFR 273.1, 271.2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.usda.rules.facts import Member, Reason
from services.usda.rules.figures import Figures


@dataclass(frozen=True)
class HouseholdSummary:
    size: int
    elderly_members: int
    disabled_members: int
    earned_cents: int
    unearned_cents: int

    @property
    def elderly_or_disabled(self) -> bool:
        """A member 60 or older, or disabled, changes the household's rules."""
        return self.elderly_members > 0 or self.disabled_members > 0

    @property
    def gross_cents(self) -> int:
        return self.earned_cents + self.unearned_cents


def summarize(
    members: Iterable[Member], figures: Figures, self_employment_cents: int = 0
) -> HouseholdSummary:
    """``self_employment_cents`` is self-employment income already net of its costs."""
    elderly_age = figures.elderly_age().value
    listed = list(members)
    return HouseholdSummary(
        size=len(listed),
        elderly_members=sum(m.age >= elderly_age for m in listed),
        disabled_members=sum(m.disabled for m in listed),
        earned_cents=sum(m.earned_cents for m in listed) + self_employment_cents,
        unearned_cents=sum(m.unearned_cents for m in listed),
    )


def household_reason(summary: HouseholdSummary, figures: Figures) -> Reason:
    special = (
        "it has an elderly or disabled member, so it takes the net income test only, may "
        "deduct medical costs and has no cap on its shelter deduction"
        if summary.elderly_or_disabled
        else "it has no elderly or disabled member"
    )
    return Reason(
        code="HOUSEHOLD_COMPOSITION",
        message=f"A household of {summary.size}; {special}.",
        citation="7 CFR 273.1 (household); 7 U.S.C. 2012(j), 7 CFR 271.2 (elderly or disabled)",
        figures={
            "household_size": str(summary.size),
            "elderly_members": str(summary.elderly_members),
            "disabled_members": str(summary.disabled_members),
            "elderly_age": str(figures.elderly_age().value),
            "fiscal_year": str(figures.fiscal_year),
        },
    )
