"""Figures derived from the submitted household that several steps need."""

from __future__ import annotations

from eligibility.common.v1 import household_pb2
from shared.magi import magi
from shared.magi_parts import income_parts

EARNED_KINDS = frozenset(
    {household_pb2.INCOME_KIND_WAGES, household_pb2.INCOME_KIND_SELF_EMPLOYMENT}
)


def attested_annual_cents(member: household_pb2.Person) -> int:
    """The person's attested annual income, all kinds added as they are (not MAGI)."""
    return sum(i.annual_amount_cents for i in member.incomes)


def attested_magi_cents(member: household_pb2.Person, tax_year: int) -> int:
    """The person's MAGI from their attested incomes: the calculation HHS decides on."""
    return magi(income_parts(member.incomes), tax_year).cents


def attested_monthly_split_cents(member: household_pb2.Person) -> tuple[int, int]:
    """(earned, unearned) monthly income, rounded down to the cent, for SNAP."""
    earned = sum(i.annual_amount_cents for i in member.incomes if i.kind in EARNED_KINDS)
    unearned = sum(i.annual_amount_cents for i in member.incomes if i.kind not in EARNED_KINDS)
    return max(earned, 0) // 12, max(unearned, 0) // 12


def tax_unit_members(unit: household_pb2.TaxUnit) -> list[str]:
    return [*unit.filer_person_ids, *unit.dependent_person_ids]
