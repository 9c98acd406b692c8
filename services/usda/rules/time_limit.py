"""The SNAP time limit for able-bodied adults without dependents (7 U.S.C. 2015(o)).

A member within the ages subject may get SNAP for only 3 countable months in 36 while not
working (or in a work program) 80 hours a month, unless exempt. The months already used
are data the caller gives; a first application has used none, so it is within the three.
A member out of countable months is not eligible: not counted in the household's size,
but their income still is (7 CFR 273.11(c)(1)). Ages, months, hours and the exemptions
accepted are ``usda.snap.time_limit``, dated (P.L. 119-21 s.10102 changed them in 2025).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from services.usda.rules.facts import Member, Reason, SnapFacts
from services.usda.rules.household import HouseholdSummary
from shared.parameters import ParameterSet

RULE = "usda.snap.time_limit"
LAW = "7 U.S.C. 2015(o); 7 CFR 273.24"


@dataclass(frozen=True)
class TimeLimit:
    person_id: str
    # Subject to the limit this month: no exemption, and short of the hours.
    limited: bool
    # Countable months left in the 36-month period, this month included.
    remaining: int
    required_hours: int
    # Out of countable months: not eligible, and not counted in the household's size.
    excluded: bool
    reason: Reason


def _exemptions(member: Member, facts: SnapFacts, rule: dict[str, object]) -> list[str]:
    accepted = set(rule["exemptions"])  # type: ignore[call-overload]
    found = set(member.work_activity.exemptions) & accepted
    if member.pregnant:
        found.add("pregnant")
    if member.disabled:
        # Receiving disability benefits counts as medically certified unfit (273.24(c)(2)).
        found.add("unfit_for_work")
    under = int(rule["dependent_child_under_age"])  # type: ignore[call-overload]
    if any(m.age < under for m in facts.members if m.person_id != member.person_id):
        found.add("caretaker_of_young_child")
    return sorted(found)


def _one(member: Member, facts: SnapFacts, rule: dict[str, object], cite: str) -> TimeLimit:
    hours_needed = int(rule["monthly_hours"])  # type: ignore[call-overload]
    allowed = int(rule["countable_months"])  # type: ignore[call-overload]
    period = int(rule["period_months"])  # type: ignore[call-overload]
    activity = member.work_activity
    # Volunteer work counts as work; school counts only inside a work program (273.24(a)).
    hours = activity.work_hours + activity.community_service_hours + activity.work_program_hours
    used = activity.snap_countable_months_used
    remaining = max(allowed - used, 0)
    figures = {
        "countable_months_allowed": str(allowed),
        "period_months": str(period),
        "countable_months_used": str(used),
        "countable_months_remaining": str(remaining),
        "required_monthly_hours": str(hours_needed),
        "reported_monthly_hours": str(hours),
    }
    exempt = _exemptions(member, facts, rule)
    if exempt:
        reason = Reason(
            "TIME_LIMIT_EXEMPT",
            f"{member.person_id} is exempt from the time limit ({', '.join(exempt)}); no month "
            "counts while that is so.",
            cite,
            {**figures, "exemptions": ",".join(exempt)},
        )
        return TimeLimit(member.person_id, False, remaining, hours_needed, False, reason)
    if hours >= hours_needed:
        reason = Reason(
            "TIME_LIMIT_WORK_MET",
            f"{member.person_id} works {hours} hours a month, at least {hours_needed}: no month "
            "counts against the time limit while that continues.",
            cite,
            figures,
        )
        return TimeLimit(member.person_id, False, remaining, hours_needed, False, reason)
    if remaining > 0:
        reason = Reason(
            "TIME_LIMIT_COUNTABLE_MONTH",
            f"{member.person_id} is an able-bodied adult without dependents: this month is "
            f"countable month {used + 1} of {allowed} in {period}, leaving {remaining - 1} "
            f"after it. {hours_needed} hours a month of work or a work program keeps "
            "eligibility beyond them.",
            cite,
            figures,
        )
        return TimeLimit(member.person_id, True, remaining, hours_needed, False, reason)
    reason = Reason(
        "TIME_LIMIT_EXHAUSTED",
        f"{member.person_id} has used all {allowed} countable months in {period} and reports "
        f"{hours} hours of work a month: not eligible, and not counted in the household's "
        f"size (their income still is), until they work {hours_needed} hours a month or an "
        "exemption applies.",
        f"{cite}; 7 CFR 273.11(c)(1)",
        figures,
    )
    return TimeLimit(member.person_id, True, 0, hours_needed, True, reason)


def assess(facts: SnapFacts, params: ParameterSet, month: dt.date) -> tuple[TimeLimit, ...]:
    """One finding per member within the ages subject; none for anyone else."""
    entry = params.entry(RULE, month)
    rule = entry.value
    cite = f"{LAW}; {entry.reference.split(':')[0].strip()}"
    low, high = int(rule["min_age"]), int(rule["max_age"])
    subject = sorted((m for m in facts.members if low <= m.age <= high), key=lambda m: m.person_id)
    return tuple(_one(m, facts, rule, cite) for m in subject)


def count_excluded_income(
    summary: HouseholdSummary, members: tuple[Member, ...], excluded: set[str]
) -> HouseholdSummary:
    """The excluded members' income counts in full for those left (7 CFR 273.11(c)(1))."""
    gone = [m for m in members if m.person_id in excluded]
    return dataclasses.replace(
        summary,
        earned_cents=summary.earned_cents + sum(m.earned_cents for m in gone),
        unearned_cents=summary.unearned_cents + sum(m.unearned_cents for m in gone),
    )
