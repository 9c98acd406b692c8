"""Medicaid and CHIP for one person: their MAGI household, its income as a percentage of
the poverty line, and the state's limit for each group the person belongs to.

Limits are read from ``hhs.medicaid.income_limits`` and ``hhs.chip.income_limits`` as
percentages that already include the 5-point MAGI disregard (42 CFR 435.603(d)(4)), so
income is compared with them directly. A person 65 or over, or with a disability, whom no
MAGI group covers is referred for a non-MAGI assessment (42 CFR 435.603(j)(2)-(3)), which
this service does not make; medically needy and emergency Medicaid are not assessed.
Lawfully present people are taken to meet the immigration condition unless the caller says
a bar applies (8 U.S.C. 1613); state options to cover lawfully residing children and
pregnant people (42 U.S.C. 1396b(v)(4)) are not modelled.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from fractions import Fraction

from services.hhs import poverty
from services.hhs.facts import Citizenship, HouseholdFacts, Member
from services.hhs.households import (
    Kinship,
    MagiHousehold,
    is_parent_or_caretaker,
    medicaid_household,
)
from services.hhs.records import record
from services.hhs.results import Program, ProgramResult, Reason, Status, percent_text
from shared.parameters import ParameterSet

EXPANSION = "hhs.medicaid.expansion"
LIMITS = "hhs.medicaid.income_limits"
CHIP_LIMITS = "hhs.chip.income_limits"
GROUPS = "hhs.medicaid.groups"

_GROUP_CITATION = {
    "pregnant": "42 CFR 435.116",
    "infants": "42 CFR 435.118",
    "children_1_5": "42 CFR 435.118",
    "children_6_18": "42 CFR 435.118",
    "parents": "42 CFR 435.110",
    "expansion_adults": "42 CFR 435.119",
}

# How each group reads in a reason; its key is the parameter files' name for it.
_GROUP_LABEL = {
    "pregnant": "pregnant women",
    "infants": "infants under 1",
    "children_1_5": "children aged 1 to 5",
    "children_6_18": "children aged 6 to 18",
    "parents": "parents and caretaker relatives",
    "expansion_adults": "adults in the expansion group",
}


def group_label(name: str) -> str:
    return _GROUP_LABEL.get(name, name.replace("_", " "))


@record
class Group:
    name: str
    limit: Fraction
    citation: str
    # The limit as reasons show it: to two places, and whole.
    limit_text: str = ""
    limit_whole_text: str = ""
    # The limit's numerator and denominator, so income is compared in whole numbers.
    limit_numerator: int = 0
    limit_denominator: int = 1


@record
class MedicaidOutcome:
    medicaid: ProgramResult
    chip: ProgramResult
    household: MagiHousehold
    line: poverty.PovertyLine
    percent: Fraction


def _limit(value: object) -> Fraction:
    return _parsed_limit(str(value))


@functools.lru_cache(maxsize=4096)
def _parsed_limit(text: str) -> Fraction:
    # The same few dozen limits come up for every household; parse each once.
    return Fraction(Decimal(text))


def immigration_bar(member: Member, program: str) -> Reason | None:
    if member.citizenship is Citizenship.CITIZEN:
        return None
    return _immigration_bar(
        member.citizenship, member.medicaid_barred_by_immigration_status, program
    )


# Reasons that carry no figure of the household are the same every time: made once.
@functools.lru_cache(maxsize=64)
def _immigration_bar(citizenship: Citizenship, barred: bool, program: str) -> Reason | None:
    if citizenship is Citizenship.NOT_LAWFULLY_PRESENT:
        return Reason(
            "IMMIGRATION_STATUS_NOT_ELIGIBLE",
            f"People who are not lawfully present cannot get {program} beyond emergency care.",
            "8 U.S.C. 1611(a); 42 U.S.C. 1396b(v); 42 CFR 435.406",
        )
    if citizenship is Citizenship.LAWFULLY_PRESENT and barred:
        return Reason(
            "IMMIGRATION_STATUS_BARS_MEDICAID",
            f"Lawfully present, but barred from {program} by immigration status (e.g. the five-year bar).",
            "8 U.S.C. 1613(a); 42 CFR 435.406; 42 CFR 457.320(b)",
        )
    return None


@record
class _StateLimits:
    """One state's Medicaid groups and limits on one date, parsed once: a loaded
    ParameterSet never changes and every household of the state and date reads them."""

    # Group name -> (min_age, max_age); groups without age bounds are left out.
    ages: dict[str, tuple[int, int]]
    # Group name -> the group, for the groups the state covers.
    groups: dict[str, Group]


@functools.lru_cache(maxsize=4096)
def _state_limits(params: ParameterSet, on: dt.date, state_code: str) -> _StateLimits:
    bounds = params.get(GROUPS, on)
    limits = params.get(LIMITS, on)[state_code]
    expansion = bool(params.get(EXPANSION, on)[state_code])
    ages = {
        name: (int(b["min_age"]), int(b["max_age"]))
        for name, b in bounds.items()
        if isinstance(b, dict) and "min_age" in b and "max_age" in b
    }
    groups = {}
    for name, value in limits.items():
        if value is None:
            continue
        limit, limit_text, limit_whole_text = _with_texts(_limit(value))
        citation = _GROUP_CITATION.get(name, "")
        if name == "expansion_adults" and not expansion:
            citation = (
                f"{state_code} section 1115 demonstration (42 U.S.C. 1315); not ACA expansion"
            )
        groups[name] = Group(
            name=name,
            limit=limit,
            citation=citation,
            limit_text=limit_text,
            limit_whole_text=limit_whole_text,
            limit_numerator=limit.numerator,
            limit_denominator=limit.denominator,
        )
    return _StateLimits(ages, groups)


def _with_texts(limit: Fraction) -> tuple[Fraction, str, str]:
    return limit, percent_text(limit), percent_text(limit, 0)


def groups_for(
    facts: HouseholdFacts,
    kin: Kinship,
    params: ParameterSet,
    member: Member,
    on: dt.date | None = None,
) -> list[Group]:
    if on is None:
        on = poverty.medicaid_date(facts.plan_year, facts.determined_on)
    age = member.age
    low, high = _state_limits(params, on, facts.state_code).ages["parents"]
    parent = low <= age <= high and is_parent_or_caretaker(facts, kin, params, member.person_id)
    return list(_groups(params, on, facts.state_code, age, member.pregnant, parent))


# Which groups apply follows from the state, the date, the age, a pregnancy and being a
# parent or caretaker (decided above from the household): each combination is worked out once.
@functools.lru_cache(maxsize=16384)
def _groups(
    params: ParameterSet, on: dt.date, state_code: str, age: int, pregnant: bool, parent: bool
) -> tuple[Group, ...]:
    state = _state_limits(params, on, state_code)
    ages = state.ages
    names = []
    if pregnant:
        names.append("pregnant")
    for name in ("infants", "children_1_5", "children_6_18"):
        low, high = ages[name]
        if low <= age <= high:
            names.append(name)
    if parent:
        names.append("parents")
    low, high = ages["expansion_adults"]
    if low <= age <= high and not pregnant:
        names.append("expansion_adults")
    covered = state.groups
    return tuple(covered[name] for name in names if name in covered)


def _figures(
    household: MagiHousehold, line: poverty.PovertyLine, percent_shown: str
) -> dict[str, str]:
    return {
        "household_rule": household.rule,
        "household_members": ",".join(household.members),
        "household_size": str(household.size),
        "household_magi_cents": str(household.magi_cents),
        "poverty_line_cents": str(line.cents),
        "poverty_guideline_year": str(line.guideline_year),
        "percent_of_poverty_line": percent_shown,
    }


AGED_FROM = 65


def _non_magi_referral(member: Member, figures: dict[str, str], why: str) -> ProgramResult:
    """MAGI methods do not decide Medicaid on the basis of age or disability (435.603(j))."""
    if member.age >= AGED_FROM:
        basis, paragraph = f"is {member.age}", "42 CFR 435.603(j)(2)"
    else:
        basis, paragraph = "has a disability", "42 CFR 435.603(j)(3)"
    reason = Reason(
        "MEDICAID_REFERRED_NON_MAGI",
        f"{why} This person {basis}, so Medicaid on the basis of "
        f"{'age' if member.age >= AGED_FROM else 'disability'} is decided by the state's "
        "non-MAGI assessment (income and resource rules of the SSI program), to which the "
        "application is referred.",
        f"{paragraph}; 42 CFR 435.911(c)(2)",
        {**figures, "age": str(member.age), "disabled": str(member.disabled).lower()},
    )
    return ProgramResult(Program.MEDICAID, Status.REFERRED, (reason,))


def _medicaid(
    member: Member,
    groups: list[Group],
    income: tuple[int, int],
    figures: dict[str, str],
    state: str,
) -> ProgramResult:
    """``income`` is the household's percentage of the poverty line as (numerator,
    denominator), compared with each limit by cross-multiplying."""
    bar = immigration_bar(member, "Medicaid")
    if bar is not None:
        return ProgramResult(Program.MEDICAID, Status.INELIGIBLE, (bar,))
    non_magi = member.age >= AGED_FROM or member.disabled
    if not groups:
        if non_magi:
            return _non_magi_referral(member, figures, "No MAGI group covers this person.")
        else:
            reason = Reason(
                "MEDICAID_NO_ELIGIBILITY_GROUP",
                f"{state} covers no MAGI group this person belongs to (an adult without a dependent "
                "child in a state that has not expanded Medicaid).",
                "42 CFR 435.119; 42 U.S.C. 1396a(a)(10)(A)(i)(VIII)",
                figures,
            )
        return ProgramResult(Program.MEDICAID, Status.INELIGIBLE, (reason,))
    num, den = income
    group = None
    for candidate in groups:
        if num * candidate.limit_denominator <= candidate.limit_numerator * den:
            group = candidate
            break
    if group is not None:
        reason = Reason(
            "MEDICAID_INCOME_WITHIN_LIMIT",
            f"Household income is {figures['percent_of_poverty_line']}% of the poverty line, "
            f"within {state}'s {group.limit_whole_text}% limit for "
            f"{group_label(group.name)}.",
            f"{group.citation}; 42 CFR 435.603",
            {
                **figures,
                "group": group.name,
                "limit_percent_of_poverty_line": group.limit_text,
            },
        )
        return ProgramResult(Program.MEDICAID, Status.ELIGIBLE, (reason,))
    best = groups[0]
    for g in groups[1:]:
        # Strictly greater, so the first of equal limits stays, as max() keeps it.
        if g.limit_numerator * best.limit_denominator > best.limit_numerator * g.limit_denominator:
            best = g
    if non_magi:
        return _non_magi_referral(
            member,
            figures,
            f"Household income is {figures['percent_of_poverty_line']}% of the poverty line, "
            "above every "
            f"MAGI limit for this person in {state}.",
        )
    reason = Reason(
        "MEDICAID_INCOME_ABOVE_LIMIT",
        f"Household income is {figures['percent_of_poverty_line']}% of the poverty line, above "
        f"{state}'s {best.limit_whole_text}% limit for {group_label(best.name)}.",
        f"{best.citation}; 42 CFR 435.603",
        {**figures, "group": best.name, "limit_percent_of_poverty_line": best.limit_text},
    )
    return ProgramResult(Program.MEDICAID, Status.INELIGIBLE, (reason,))


# Answers that depend on no figure: one instance each (results are never changed).
_CHIP_MEDICAID_ELIGIBLE = ProgramResult(
    Program.CHIP,
    Status.INELIGIBLE,
    (
        Reason(
            "ELIGIBLE_FOR_MEDICAID",
            "CHIP covers only people not eligible for Medicaid.",
            "42 U.S.C. 1397jj(b)(1)(B); 42 CFR 457.310(b)(2)",
        ),
    ),
)
_CHIP_NOT_A_CHILD_OR_PREGNANT = ProgramResult(
    Program.CHIP,
    Status.INELIGIBLE,
    (
        Reason(
            "CHIP_NOT_A_CHILD_OR_PREGNANT",
            "CHIP covers children under 19 and, in some states, pregnant people.",
            "42 U.S.C. 1397jj(b)-(c)",
        ),
    ),
)


@functools.lru_cache(maxsize=4096)
def _chip_limits(
    params: ParameterSet, on: dt.date, state_code: str
) -> tuple[dict[str, tuple[int, int, str, str]], int]:
    """Each group's limit as (numerator, denominator, text, whole text)."""
    limits = params.get(CHIP_LIMITS, on)[state_code]
    parsed = {}
    for group, value in limits.items():
        if value is None:
            continue
        limit, limit_text, limit_whole_text = _with_texts(_limit(value))
        parsed[group] = (limit.numerator, limit.denominator, limit_text, limit_whole_text)
    return parsed, int(params.get(GROUPS, on)["chip_children_max_age"])


def _chip(
    facts: HouseholdFacts,
    params: ParameterSet,
    member: Member,
    medicaid: ProgramResult,
    income: tuple[int, int],
    figures: dict[str, str],
    on: dt.date,
) -> ProgramResult:
    if medicaid.status is Status.ELIGIBLE:
        return _CHIP_MEDICAID_ELIGIBLE
    bar = immigration_bar(member, "CHIP")
    if bar is not None:
        return ProgramResult(Program.CHIP, Status.INELIGIBLE, (bar,))
    limits, max_child_age = _chip_limits(params, on, facts.state_code)
    if member.age <= max_child_age:
        group, citation = "children", "42 CFR 457.310; 42 U.S.C. 1397jj(b)"
    elif member.pregnant:
        group, citation = "pregnant", "42 U.S.C. 1397ll; 42 CFR 457.310"
    else:
        return _CHIP_NOT_A_CHILD_OR_PREGNANT
    found = limits.get(group)
    if found is None:
        reason = Reason(
            "CHIP_NO_SEPARATE_PROGRAM",
            f"{facts.state_code} has no separate CHIP coverage for {group}; any CHIP-funded "
            "coverage is part of its Medicaid limits.",
            citation,
            figures,
        )
        return ProgramResult(Program.CHIP, Status.INELIGIBLE, (reason,))
    limit_num, limit_den, limit_text, limit_whole_text = found
    num, den = income
    within = num * limit_den <= limit_num * den
    reason = Reason(
        "CHIP_INCOME_WITHIN_LIMIT" if within else "CHIP_INCOME_ABOVE_LIMIT",
        f"Household income is {figures['percent_of_poverty_line']}% of the poverty line; "
        f"{facts.state_code}'s CHIP limit for {group} is {limit_whole_text}%.",
        citation,
        {**figures, "group": group, "limit_percent_of_poverty_line": limit_text},
    )
    return ProgramResult(Program.CHIP, Status.ELIGIBLE if within else Status.INELIGIBLE, (reason,))


def determine(
    facts: HouseholdFacts, kin: Kinship, params: ParameterSet, member: Member
) -> MedicaidOutcome:
    household = medicaid_household(facts, kin, params, member.person_id)
    on = poverty.medicaid_date(facts.plan_year, facts.determined_on)
    line = poverty.poverty_line(params, facts.state_code, household.size, on)
    percent, percent_shown = poverty.percent_and_text(household.magi_cents, line.cents)
    income = (household.magi_cents * 100, line.cents)
    figures = _figures(household, line, percent_shown)
    groups = groups_for(facts, kin, params, member, on)
    medicaid = _medicaid(member, groups, income, figures, facts.state_code)
    chip = _chip(facts, params, member, medicaid, income, figures, on)
    return MedicaidOutcome(medicaid, chip, household, line, percent)
