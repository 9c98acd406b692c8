"""Each member's MAGI, computed from the incomes the caller sent, and whether a tax
dependent's income counts.

The calculation itself is shared/magi.py, the one the orchestrator also compares Treasury
returns on. This module only applies it to every member before the rules run, and words the
result as a reason, so an answer shows the MAGI it used and how it was reached.
"""

from __future__ import annotations

from services.hhs.facts import HouseholdFacts, Member
from services.hhs.records import record
from services.hhs.results import Reason
from shared import magi as magi_rules
from shared.parameters import ParameterSet


@record
class MemberIncome:
    person_id: str
    magi_cents: int
    # None when the caller sent a ready-made MAGI (deprecated).
    magi: magi_rules.Magi | None
    filing: magi_rules.FilingTest | None
    tax_dependent: bool


def _dollars(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"


def resolve(
    facts: HouseholdFacts, params: ParameterSet | None = None
) -> tuple[HouseholdFacts, tuple[MemberIncome, ...]]:
    """The facts with every member's MAGI and filing requirement filled in from incomes."""
    dependents = {pid for unit in facts.tax_units for pid in unit.dependents}
    members: list[Member] = []
    incomes: list[MemberIncome] = []
    for member in facts.members:
        dependent = member.person_id in dependents
        if member.incomes is None:
            members.append(member)
            incomes.append(
                MemberIncome(member.person_id, member.annual_magi_cents, None, None, dependent)
            )
            continue
        computed = magi_rules.magi(member.incomes, facts.plan_year, params)
        filing = magi_rules.dependent_filing_test(member.incomes, facts.plan_year, params)
        members.append(member.with_income(computed.cents, filing.required))
        incomes.append(MemberIncome(member.person_id, computed.cents, computed, filing, dependent))
    return facts.with_members(tuple(members)), tuple(incomes)


def reason(income: MemberIncome) -> Reason:
    """How this member's MAGI was reached from incomes, with every figure and the rules."""
    assert income.magi is not None, "a ready-made MAGI has no computation to show"
    m = income.magi
    parts = [f"wages {_dollars(int(m.figures['wages_cents']))}"]
    if m.figures["self_employment_net_profit_cents"] != "0":
        parts.append(
            f"self-employment {_dollars(int(m.figures['self_employment_net_profit_cents']))} "
            f"less half the self-employment tax {_dollars(m.self_employment_deduction_cents)} "
            f"(wage base {_dollars(m.wage_base_cents)}, {m.wage_base_year})"
        )
    for key, label in (
        ("social_security_benefits_cents", "Social Security, the untaxed part included"),
        ("unemployment_cents", "unemployment"),
        ("tax_exempt_interest_cents", "tax-exempt interest"),
        ("other_income_cents", "other income"),
    ):
        if m.figures[key] != "0":
            parts.append(f"{label} {_dollars(int(m.figures[key]))}")
    message = f"MAGI of {_dollars(m.cents)}: " + ", ".join(parts) + "."
    figures = dict(m.figures)
    citation = m.citation
    if income.tax_dependent and income.filing is not None:
        f = income.filing
        counted = "counts" if f.required else "does not count"
        message += (
            f" As a tax dependent with gross income {_dollars(f.gross_income_cents)} against a "
            f"filing threshold of {_dollars(f.threshold_cents)} ({f.reference}), their income "
            f"{counted} in the households they belong to."
        )
        figures.update(
            required_to_file=str(f.required).lower(),
            filing_threshold_cents=str(f.threshold_cents),
            filing_threshold_year=str(f.figures_year),
        )
        citation = f"{citation}; {f.citation}"
    return Reason("MAGI_FROM_INCOMES", message, citation, figures)
