"""MAGI household composition and income, simplified but stated.

Medicaid and CHIP build one household per person (42 CFR 435.603(f)):

1. A tax filer whom nobody claims: the filer, a spouse, and everyone the filer claims as a
   tax dependent. Co-filers of a joint return are spouses.
2. A tax dependent: the household of the filer who claims them, unless the dependent is not
   that filer's own child (435.603(f)(2)(i)) or is a child living with two parents who do not
   file jointly (435.603(f)(2)(ii)); then rule 3 applies.
3. Anyone else: the person, a spouse and their own children under 19; a person under 19 also
   counts their parents and their siblings under 19 (435.603(f)(3)).

Every member of the request is taken to live in one home. A pregnant person's own household
counts her expected children (435.603(b); this service counts one).

Household income is the members' MAGI, except (435.603(d)(2)) that of a child under 19 living
with a parent in that household, or of a tax dependent of a filer in that household, who is
not expected to be required to file a return (``Member.required_to_file``, decided from their
incomes by shared/magi.py).

The Marketplace household is the tax unit (26 U.S.C. 36B(d)): family size counts filers and
dependents; household income is the filers' MAGI and that of dependents required to file
(36B(d)(2)(A)).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict

from services.hhs.facts import FilingStatus, HouseholdFacts, Member, Relation, TaxUnit
from services.hhs.records import record
from shared.parameters import ParameterSet

GROUPS = "hhs.medicaid.groups"
COUNTING = "hhs.medicaid.household_counting"


@record
class Kinship:
    spouses: dict[str, set[str]]
    parents: dict[str, set[str]]
    siblings: dict[str, set[str]]
    related: set[frozenset[str]]
    filer_unit: dict[str, TaxUnit]
    dependent_unit: dict[str, TaxUnit]

    def is_related(self, a: str, b: str) -> bool:
        return frozenset((a, b)) in self.related


def kinship(facts: HouseholdFacts) -> Kinship:
    spouses: dict[str, set[str]] = defaultdict(set)
    parents: dict[str, set[str]] = defaultdict(set)
    siblings: dict[str, set[str]] = defaultdict(set)
    related: set[frozenset[str]] = set()
    for rel in facts.relationships:
        a, b = rel.person_id, rel.related_person_id
        if rel.relation is not Relation.UNRELATED:
            related.add(frozenset((a, b)))
        if rel.relation is Relation.SPOUSE:
            spouses[a].add(b)
            spouses[b].add(a)
        elif rel.relation is Relation.CHILD:
            parents[a].add(b)
        elif rel.relation is Relation.PARENT:
            parents[b].add(a)
        elif rel.relation is Relation.SIBLING:
            siblings[a].add(b)
            siblings[b].add(a)
    filer_unit: dict[str, TaxUnit] = {}
    dependent_unit: dict[str, TaxUnit] = {}
    for unit in facts.tax_units:
        for filer in unit.filers:
            filer_unit[filer] = unit
        if unit.filing_status is FilingStatus.MARRIED_FILING_JOINTLY and len(unit.filers) == 2:
            a, b = unit.filers
            spouses[a].add(b)
            spouses[b].add(a)
            related.add(frozenset((a, b)))
        for dependent in unit.dependents:
            dependent_unit[dependent] = unit
    return Kinship(spouses, parents, siblings, related, filer_unit, dependent_unit)


@record
class MagiHousehold:
    members: tuple[str, ...]
    income_counted_from: tuple[str, ...]
    size: int
    magi_cents: int
    rule: str
    citation: str


def _filer_household(kin: Kinship, filer: str) -> set[str]:
    unit = kin.filer_unit[filer]
    return {*unit.filers, *unit.dependents, *kin.spouses[filer]}


def _non_filer_household(
    facts: HouseholdFacts, kin: Kinship, person_id: str, child_max_age: int
) -> set[str]:
    def is_minor(pid: str) -> bool:
        return facts.member(pid).age <= child_max_age

    own_children = {c for c, ps in kin.parents.items() if person_id in ps and is_minor(c)}
    members = {person_id, *kin.spouses[person_id], *own_children}
    if is_minor(person_id):
        members |= kin.parents[person_id]
        members |= {s for s in kin.siblings[person_id] if is_minor(s)}
    return members


def _composition(
    facts: HouseholdFacts, kin: Kinship, person_id: str, child_max_age: int
) -> tuple[set[str], str, str]:
    if person_id in kin.filer_unit and person_id not in kin.dependent_unit:
        return _filer_household(kin, person_id), "tax_filer", "42 CFR 435.603(f)(1)"
    unit = kin.dependent_unit.get(person_id)
    if unit is not None:
        claimers = [f for f in unit.filers if f in kin.parents[person_id]]
        parents_present = kin.parents[person_id]
        joint = unit.filing_status is FilingStatus.MARRIED_FILING_JOINTLY
        split_parents = len(parents_present) >= 2 and not (
            joint and parents_present <= set(unit.filers)
        )
        if claimers and not (facts.member(person_id).age <= child_max_age and split_parents):
            return _filer_household(kin, claimers[0]), "tax_dependent", "42 CFR 435.603(f)(2)"
        return (
            _non_filer_household(facts, kin, person_id, child_max_age),
            "tax_dependent_non_filer_rules",
            "42 CFR 435.603(f)(2)(i)-(ii), (f)(3)",
        )
    return (
        _non_filer_household(facts, kin, person_id, child_max_age),
        "non_filer",
        "42 CFR 435.603(f)(3)",
    )


def _income_counted(kin: Kinship, members: set[str], child_max_age: int, member: Member) -> bool:
    """Whether ``member``'s income counts in the household of ``members`` (435.603(d)(2))."""
    if member.required_to_file:
        return True
    pid = member.person_id
    parents = kin.parents.get(pid)
    if member.age <= child_max_age and parents and not parents.isdisjoint(members):
        return False
    unit = kin.dependent_unit.get(pid)
    return unit is None or members.isdisjoint(unit.filers)


@functools.lru_cache(maxsize=4096)
def _counting(params: ParameterSet, on: dt.date) -> tuple[int, int, int]:
    """(oldest age counted as a child, expected children of one's own pregnancy, extra
    people another member's pregnancy adds): read once per date."""
    child_max_age = int(params.get(GROUPS, on)["non_filer_child_max_age"])
    counting = params.get(COUNTING, on)
    return (
        child_max_age,
        int(counting["expected_children_per_pregnancy"]),
        int(counting["pregnant_in_others_households"]) - 1,
    )


def medicaid_household(
    facts: HouseholdFacts, kin: Kinship, params: ParameterSet, person_id: str
) -> MagiHousehold:
    on = facts.determined_on or _plan_start(facts)
    child_max_age, own_pregnancy, others_pregnancy = _counting(params, on)
    members, rule, citation = _composition(facts, kin, person_id, child_max_age)
    ordered = sorted(members)
    counted = []
    size, magi = len(members), 0
    # One pass in person-id order: who counts, their income, and pregnancies.
    for pid in ordered:
        member = facts.member(pid)
        if _income_counted(kin, members, child_max_age, member):
            counted.append(pid)
            magi += member.annual_magi_cents
        if member.pregnant:
            size += (
                (member.expected_children or own_pregnancy)
                if pid == person_id
                else others_pregnancy
            )
    return MagiHousehold(
        members=tuple(ordered),
        income_counted_from=tuple(counted),
        size=size,
        magi_cents=magi,
        rule=rule,
        citation=citation,
    )


def tax_household(facts: HouseholdFacts, unit: TaxUnit) -> MagiHousehold:
    counted = list(unit.filers)
    magi = 0
    for pid in unit.filers:
        magi += facts.member(pid).annual_magi_cents
    for pid in unit.dependents:
        dependent = facts.member(pid)
        if dependent.required_to_file:
            counted.append(pid)
            magi += dependent.annual_magi_cents
    members = sorted(unit.members)
    counted.sort()
    return MagiHousehold(
        members=tuple(members),
        income_counted_from=tuple(counted),
        size=len(members),
        magi_cents=magi,
        rule="tax_unit",
        citation="26 U.S.C. 36B(d)",
    )


@functools.lru_cache(maxsize=4096)
def _dependent_child_max_age(params: ParameterSet, on: dt.date) -> int:
    return int(params.get(GROUPS, on)["dependent_child_max_age"])


def is_parent_or_caretaker(
    facts: HouseholdFacts, kin: Kinship, params: ParameterSet, person_id: str
) -> bool:
    """Lives with a dependent child: their own, or a relative's child they claim (435.4)."""
    on = facts.determined_on or _plan_start(facts)
    child_max = _dependent_child_max_age(params, on)
    for child in facts.members:
        if child.person_id == person_id or child.age > child_max:
            continue
        if person_id in kin.parents[child.person_id]:
            return True
        unit = kin.dependent_unit.get(child.person_id)
        if (
            unit is not None
            and person_id in unit.filers
            and kin.is_related(person_id, child.person_id)
        ):
            return True
    return False


def _plan_start(facts: HouseholdFacts) -> dt.date:
    return _january_first(facts.plan_year)


@functools.lru_cache(maxsize=256)
def _january_first(year: int) -> dt.date:
    return dt.date(year, 1, 1)
