"""MAGI household composition (42 CFR 435.603(f)) and the tax household (36B(d))."""

from __future__ import annotations

import datetime as dt

from services.hhs.facts import (
    Citizenship,
    FilingStatus,
    HouseholdFacts,
    Member,
    Relation,
    Relationship,
    TaxUnit,
)
from services.hhs.households import (
    is_parent_or_caretaker,
    kinship,
    medicaid_household,
    tax_household,
)
from services.hhs.rules import load_parameters

PARAMS = load_parameters()


def _facts(members, relationships=(), units=()) -> HouseholdFacts:  # type: ignore[no-untyped-def]
    return HouseholdFacts(
        2027,
        "TX",
        "Harris",
        tuple(members),
        tuple(relationships),
        tuple(units),
        dt.date(2026, 11, 25),
    )


def _household(facts: HouseholdFacts, pid: str):  # type: ignore[no-untyped-def]
    return medicaid_household(facts, kinship(facts), PARAMS, pid)


def _m(pid: str, age: int, magi: int = 0, **kw) -> Member:  # type: ignore[no-untyped-def]
    return Member(pid, age, annual_magi_cents=magi, citizenship=Citizenship.CITIZEN, **kw)


FAMILY = _facts(
    [_m("mom", 35, 3_000_000), _m("dad", 37, 2_000_000), _m("kid", 8, 50_000)],
    [Relationship("kid", "mom", Relation.CHILD), Relationship("dad", "kid", Relation.PARENT)],
    [TaxUnit("t1", FilingStatus.MARRIED_FILING_JOINTLY, ("mom", "dad"), ("kid",))],
)


def test_joint_filers_and_their_child_form_one_household_with_the_childs_income_excluded() -> None:
    for pid in ("mom", "dad", "kid"):
        household = _household(FAMILY, pid)
        assert household.members == ("dad", "kid", "mom")
        assert household.size == 3
        assert household.magi_cents == 5_000_000
        assert "kid" not in household.income_counted_from


def test_grandchild_claimed_by_grandmother_is_measured_alone_under_non_filer_rules() -> None:
    facts = _facts(
        [_m("gran", 61, 3_140_000), _m("grandson", 14)],
        [Relationship("gran", "grandson", Relation.OTHER_RELATIVE)],
        [TaxUnit("t1", FilingStatus.HEAD_OF_HOUSEHOLD, ("gran",), ("grandson",))],
    )
    grandson = _household(facts, "grandson")
    assert (grandson.members, grandson.size, grandson.magi_cents) == (("grandson",), 1, 0)
    assert grandson.rule == "tax_dependent_non_filer_rules"
    gran = _household(facts, "gran")
    assert (gran.members, gran.size, gran.magi_cents) == (("gran", "grandson"), 2, 3_140_000)
    assert is_parent_or_caretaker(facts, kinship(facts), PARAMS, "gran")


def test_child_of_unmarried_parents_uses_non_filer_rules_and_counts_both_parents() -> None:
    facts = _facts(
        [_m("a", 30, 2_000_000), _m("b", 31, 1_000_000), _m("kid", 3)],
        [Relationship("kid", "a", Relation.CHILD), Relationship("kid", "b", Relation.CHILD)],
        [
            TaxUnit("ta", FilingStatus.HEAD_OF_HOUSEHOLD, ("a",), ("kid",)),
            TaxUnit("tb", FilingStatus.SINGLE, ("b",)),
        ],
    )
    kid = _household(facts, "kid")
    assert kid.rule == "tax_dependent_non_filer_rules"
    assert kid.members == ("a", "b", "kid")
    assert kid.magi_cents == 3_000_000
    # b files alone and claims nobody: b's household is b alone.
    assert _household(facts, "b").members == ("b",)


def test_non_filer_adult_counts_spouse_and_own_minor_children() -> None:
    facts = _facts(
        [_m("x", 40, 1_000_000), _m("y", 41, 500_000), _m("c", 12), _m("adult_child", 22, 900_000)],
        [
            Relationship("x", "y", Relation.SPOUSE),
            Relationship("c", "x", Relation.CHILD),
            Relationship("adult_child", "x", Relation.CHILD),
        ],
    )
    household = _household(facts, "x")
    assert household.members == ("c", "x", "y")
    assert household.magi_cents == 1_500_000


def test_pregnant_person_counts_the_expected_child_in_her_own_household_only() -> None:
    facts = _facts(
        [_m("p", 26, 2_000_000, pregnant=True), _m("q", 27, 1_000_000)],
        [Relationship("p", "q", Relation.SPOUSE)],
        [TaxUnit("t", FilingStatus.MARRIED_FILING_JOINTLY, ("p", "q"))],
    )
    assert _household(facts, "p").size == 3
    assert _household(facts, "q").size == 2


def test_tax_household_counts_filers_and_dependents_but_only_filers_income() -> None:
    unit = FAMILY.tax_units[0]
    household = tax_household(FAMILY, unit)
    assert (household.size, household.magi_cents) == (3, 5_000_000)


def test_adult_without_a_minor_child_is_not_a_parent_or_caretaker() -> None:
    facts = _facts([_m("x", 50), _m("grown", 19)], [Relationship("grown", "x", Relation.CHILD)])
    assert not is_parent_or_caretaker(facts, kinship(facts), PARAMS, "x")
