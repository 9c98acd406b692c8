"""Attested or verified incomes (the household proto) sorted into the parts MAGI treats
differently (shared/magi.py). One mapping, so HHS and the orchestrator read kinds alike."""

from __future__ import annotations

from collections.abc import Iterable

from eligibility.common.v1 import household_pb2 as hh
from shared.magi import IncomeParts

_FIELD = {
    hh.INCOME_KIND_WAGES: "wages_cents",
    hh.INCOME_KIND_SELF_EMPLOYMENT: "self_employment_cents",
    hh.INCOME_KIND_SOCIAL_SECURITY: "social_security_cents",
    hh.INCOME_KIND_UNEMPLOYMENT: "unemployment_cents",
    hh.INCOME_KIND_TAX_EXEMPT_INTEREST: "tax_exempt_interest_cents",
    hh.INCOME_KIND_PENSION: "other_cents",
    hh.INCOME_KIND_INVESTMENT: "other_cents",
    hh.INCOME_KIND_OTHER: "other_cents",
}


def income_parts(incomes: Iterable[hh.Income]) -> IncomeParts:
    """Amounts of one kind add up; an unknown kind is refused by validation before this."""
    totals: dict[str, int] = {}
    for income in incomes:
        name = _FIELD[income.kind]
        totals[name] = totals.get(name, 0) + income.annual_amount_cents
    return IncomeParts(**totals)
