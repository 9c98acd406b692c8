"""Medicaid community engagement (P.L. 119-21 s.71119, 42 U.S.C. 1396a(xx)).

From its effective date an adult eligible in the adult group (42 CFR 435.119) keeps
Medicaid only by showing 80 hours a month of work, community service, a work program or
school (or earnings of 80 hours at the federal minimum wage), or by being excluded: the
statute's list, read from ``hhs.medicaid.community_engagement``. Nobody else is touched:
a parent eligible as a parent (435.110), a child or a pregnant person is not in the adult
group. Every answer for an adult in the group says what keeps them eligible.
"""

from __future__ import annotations

from services.hhs import poverty
from services.hhs.facts import HouseholdFacts, Member
from services.hhs.households import Kinship
from services.hhs.results import ProgramResult, Reason, Status
from shared.parameters import ParameterSet

RULE = "hhs.medicaid.community_engagement"
ADULT_GROUP = "expansion_adults"
CITATION = "42 U.S.C. 1396a(xx) (P.L. 119-21 s.71119); CMS-2454-IFC"


def _cares_for_young_child(
    facts: HouseholdFacts, kin: Kinship, member: Member, max_age: int
) -> bool:
    """A parent of a child of ``max_age`` or under, or a relative who claims that child."""
    for child in facts.members:
        if child.person_id == member.person_id or child.age > max_age:
            continue
        if member.person_id in kin.parents[child.person_id]:
            return True
        unit = kin.dependent_unit.get(child.person_id)
        if unit is not None and member.person_id in unit.filers:
            return True
    return False


def exemptions_of(
    facts: HouseholdFacts, kin: Kinship, member: Member, rule: dict[str, object]
) -> list[str]:
    """The accepted exemptions that apply: those claimed, and those the facts show."""
    accepted = set(rule["exemptions"])  # type: ignore[call-overload]
    found = set(member.work_activity.exemptions) & accepted
    if member.pregnant:
        found.add("pregnant")
    if member.disabled and "medically_frail" in accepted:
        # The statute's medically frail include the blind and the disabled.
        found.add("medically_frail")
    young = int(rule["young_child_max_age"])  # type: ignore[call-overload]
    if _cares_for_young_child(facts, kin, member, young):
        found.add("caretaker_of_young_child")
    return sorted(found)


def _with(result: ProgramResult, status: Status, reason: Reason) -> ProgramResult:
    # Spelled out rather than dataclasses.replace, which costs several times as much.
    return ProgramResult(
        result.program,
        status,
        (*result.reasons, reason),
        result.monthly_benefit_cents,
        result.csr_level,
    )


def apply(
    result: ProgramResult,
    facts: HouseholdFacts,
    kin: Kinship,
    params: ParameterSet,
    member: Member,
) -> ProgramResult:
    """``result`` is the income-based Medicaid answer; it is returned unchanged unless
    the member is eligible in the adult group while the requirement is in force."""
    if result.status is not Status.ELIGIBLE:
        return result
    if not any(r.figures.get("group") == ADULT_GROUP for r in result.reasons):
        return result
    on = poverty.medicaid_date(facts.plan_year, facts.determined_on)
    entry = params.entry(RULE, on)
    rule = entry.value
    if not rule.get("in_force"):
        return result
    hours_needed = int(rule["monthly_hours"])
    earnings_needed = hours_needed * int(rule["minimum_wage_cents_per_hour"])
    activity = member.work_activity
    figures = {
        "required_monthly_hours": str(hours_needed),
        "reported_monthly_hours": str(activity.total_hours),
        "required_monthly_earnings_cents": str(earnings_needed),
        "monthly_earned_income_cents": str(member.monthly_earned_income_cents),
        "effective_from": entry.effective_from.isoformat(),
    }
    keep = (
        f"keeps Medicaid by showing {hours_needed} hours a month of work, community service, "
        f"a work program or school, or monthly earnings of ${earnings_needed / 100:,.2f}, "
        "at each renewal"
    )
    exempt = exemptions_of(facts, kin, member, rule)
    meets_by = sorted(set(activity.exemptions) & set(rule["meets_requirement"]))
    if exempt:
        reason = Reason(
            "COMMUNITY_ENGAGEMENT_EXEMPT",
            f"Excluded from the community engagement requirement ({', '.join(exempt)}); "
            "this must be true again at renewal, or the person "
            f"{keep}.",
            CITATION,
            {**figures, "exemptions": ",".join(exempt)},
        )
        return _with(result, result.status, reason)
    if (
        activity.total_hours >= hours_needed
        or member.monthly_earned_income_cents >= earnings_needed
        or meets_by
    ):
        reason = Reason(
            "COMMUNITY_ENGAGEMENT_MET",
            f"Meets the community engagement requirement; the person {keep}.",
            CITATION,
            {**figures, "met_by": ",".join(meets_by) or "hours_or_earnings"},
        )
        return _with(result, result.status, reason)
    short = hours_needed - activity.total_hours
    reason = Reason(
        "COMMUNITY_ENGAGEMENT_NOT_MET",
        f"Income qualifies for the adult group, but {activity.total_hours} hours a month were "
        f"reported, {short} short of {hours_needed}, and no exemption applies. The person "
        f"{keep.replace('keeps', 'gets')}, or by showing an exemption; the state must give "
        "notice and 30 days to show it before denying.",
        CITATION,
        {**figures, "hours_short": str(short)},
    )
    return _with(result, Status.INELIGIBLE, reason)
