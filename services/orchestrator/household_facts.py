"""Figures derived from the submitted household that several steps need."""

from __future__ import annotations

from eligibility.common.v1 import household_pb2

EARNED_KINDS = frozenset(
    {household_pb2.INCOME_KIND_WAGES, household_pb2.INCOME_KIND_SELF_EMPLOYMENT}
)


def attested_annual_cents(member: household_pb2.Person) -> int:
    """The person's attested annual income, all kinds (MAGI counts each of these)."""
    return sum(i.annual_amount_cents for i in member.incomes)


def attested_monthly_split_cents(member: household_pb2.Person) -> tuple[int, int]:
    """(earned, unearned) monthly income, rounded down to the cent, for SNAP."""
    earned = sum(i.annual_amount_cents for i in member.incomes if i.kind in EARNED_KINDS)
    unearned = sum(i.annual_amount_cents for i in member.incomes if i.kind not in EARNED_KINDS)
    return max(earned, 0) // 12, max(unearned, 0) // 12


def tax_unit_members(unit: household_pb2.TaxUnit) -> list[str]:
    return [*unit.filer_person_ids, *unit.dependent_person_ids]
