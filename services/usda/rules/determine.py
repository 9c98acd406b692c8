"""One SNAP determination: the household, its income tests, its net income, its allotment."""

from __future__ import annotations

from services.usda.rules import allotment, deductions, income_tests
from services.usda.rules.facts import Determination, Reason, SnapFacts
from services.usda.rules.figures import figures_for
from services.usda.rules.household import household_reason, summarize
from shared.parameters import ParameterSet


def determine(facts: SnapFacts, params: ParameterSet) -> Determination:
    """Decide SNAP for one household. Raises FiguresUnavailable when a figure the
    household needs is not loaded, and ValueError for a household with no members."""
    if not facts.members:
        raise ValueError("a SNAP household has at least one member")
    figures = figures_for(params, facts.benefit_month.replace(day=1), facts.state_code)
    summary = summarize(facts.members, figures)
    reasons: list[Reason] = [household_reason(summary, figures)]

    categorical = income_tests.broad_based(summary, figures)
    reasons.append(categorical.reason)
    gross_ok, reason = income_tests.gross_test(summary, figures, categorical.applies)
    reasons.append(reason)
    net, deduction_reasons = deductions.compute(summary, facts.expenses, figures)
    reasons.extend(deduction_reasons)
    net_ok, reason = income_tests.net_test(net.net_cents, summary, figures, categorical.applies)
    reasons.append(reason)

    eligible, cents = False, 0
    if gross_ok and net_ok:
        eligible, cents, allotment_reasons = allotment.compute(summary.size, net.net_cents, figures)
        reasons.extend(allotment_reasons)
    return Determination(
        eligible=eligible,
        allotment_cents=cents,
        fiscal_year=figures.fiscal_year,
        household_size=summary.size,
        gross_income_cents=summary.gross_cents,
        net_income_cents=net.net_cents,
        categorically_eligible=categorical.applies,
        reasons=tuple(reasons),
    )
