"""One SNAP determination: the household, its income tests, its net income, its allotment."""

from __future__ import annotations

from services.usda.rules import (
    allotment,
    deductions,
    income_tests,
    self_employment,
    time_limit,
    utilities,
)
from services.usda.rules.citing import cite
from services.usda.rules.facts import Determination, Reason, SnapFacts
from services.usda.rules.figures import Figures, figures_for
from services.usda.rules.household import household_reason, summarize
from shared.parameters import ParameterSet

_AREA_NAMES = {"urban": "Urban", "rural_1": "Rural 1", "rural_2": "Rural 2"}


def _alaska_area_reason(facts: SnapFacts, figures: Figures, size: int) -> Reason:
    name = _AREA_NAMES[figures.alaska_area]
    chosen = (
        "the allotment area given for the household's community"
        if facts.alaska_area
        else "no allotment area was given, so Urban (the lowest figures) is used; a "
        "community in Rural 1 or Rural 2 gets more"
    )
    maximum = figures.max_allotment(size)
    return Reason(
        "ALASKA_ALLOTMENT_AREA",
        f"Alaska {name} allotments are used: {chosen}.",
        cite("7 U.S.C. 2012(u); 7 CFR 273.10(e)(4)", maximum),
        {
            "alaska_allotment_area": figures.alaska_area,
            "area_given": str(bool(facts.alaska_area)).lower(),
            "max_allotment_cents": str(maximum.value),
        },
    )


def determine(facts: SnapFacts, params: ParameterSet) -> Determination:
    """Decide SNAP for one household, less any member out of time-limit months. Raises
    FiguresUnavailable when a figure the household needs is not loaded, and ValueError for
    a household with no members."""
    if not facts.members:
        raise ValueError("a SNAP household has at least one member")
    month = facts.benefit_month.replace(day=1)
    figures = figures_for(params, month, facts.state_code, facts.alaska_area)
    limits = time_limit.assess(facts, params, month)
    excluded = {t.person_id for t in limits if t.excluded}
    counted = tuple(m for m in facts.members if m.person_id not in excluded)
    self_employed, self_employment_reason = self_employment.countable(counted, figures)
    summary = time_limit.count_excluded_income(
        summarize(counted, figures, self_employed), facts.members, excluded
    )
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
            alaska_area=figures.alaska_area,
            time_limits=limits,
        )
    if figures.alaska_area:
        reasons.append(_alaska_area_reason(facts, figures, summary.size))
    if self_employment_reason is not None:
        reasons.append(self_employment_reason)

    categorical = income_tests.broad_based(summary, figures)
    reasons.append(categorical.reason)
    gross_ok, reason = income_tests.gross_test(summary, figures, categorical.applies)
    reasons.append(reason)
    region = utilities.resolve_region(facts.utility_region, facts.county, figures)
    net, deduction_reasons = deductions.compute(summary, facts.expenses, figures, region)
    reasons.extend(deduction_reasons)
    net_ok, reason = income_tests.net_test(
        net.net_cents, summary, figures, categorical.applies and not categorical.net_test_kept
    )
    reasons.append(reason)

    # The time limit's reasons before the allotment's: the amount stays the last word.
    reasons.extend(t.reason for t in limits)
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
        alaska_area=figures.alaska_area,
        utility_region=region[0],
        time_limits=limits,
    )
