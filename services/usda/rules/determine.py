"""One SNAP determination: the household, its income tests, its net income, its allotment."""

from __future__ import annotations

from services.usda.rules import allotment, deductions, income_tests, time_limit
from services.usda.rules.facts import Determination, Reason, SnapFacts
from services.usda.rules.figures import figures_for
from services.usda.rules.household import household_reason, summarize
from shared.parameters import ParameterSet


def determine(facts: SnapFacts, params: ParameterSet) -> Determination:
    """Decide SNAP for one household (less any member out of time-limit months). Raises FiguresUnavailable when a figure the
    household needs is not loaded, and ValueError for a household with no members."""
    if not facts.members:
        raise ValueError("a SNAP household has at least one member")
    month = facts.benefit_month.replace(day=1)
    figures = figures_for(params, month, facts.state_code)
    limits = time_limit.assess(facts, params, month)
    excluded = {t.person_id for t in limits if t.excluded}
    counted = tuple(m for m in facts.members if m.person_id not in excluded)
    summary = time_limit.count_excluded_income(summarize(counted, figures), facts.members, excluded)
    reasons: list[Reason] = [household_reason(summary, figures)]
    if not counted:
        reasons.extend(t.reason for t in limits)
        return Determination(
            eligible=False,
            allotment_cents=0,
            fiscal_year=figures.fiscal_year,
            household_size=0,
            gross_income_cents=summary.gross_cents,
            net_income_cents=0,
            categorically_eligible=False,
            reasons=tuple(reasons),
            time_limits=limits,
        )

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
    reasons.extend(t.reason for t in limits)
    return Determination(
        eligible=eligible,
        allotment_cents=cents,
        fiscal_year=figures.fiscal_year,
        household_size=summary.size,
        gross_income_cents=summary.gross_cents,
        net_income_cents=net.net_cents,
        categorically_eligible=categorical.applies,
        reasons=tuple(reasons),
        time_limits=limits,
    )
