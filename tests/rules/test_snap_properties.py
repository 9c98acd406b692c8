"""Invariants of the SNAP rules over generated households (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from services.usda.rules import Expenses, Member, SnapFacts, determine, load_parameters
from services.usda.rules.figures import Figures
from shared.validation import STATE_CODES

PARAMS = load_parameters()
# Alaska and Hawaii are fully loaded for FY2026 only; the others for FY2025 to FY2027.
MONTHS = [dt.date(2024, 10, 1), dt.date(2025, 6, 1), dt.date(2025, 11, 1), dt.date(2026, 11, 1)]
MAINLAND = sorted(STATE_CODES - {"AK", "HI"})

members = st.builds(
    Member,
    person_id=st.uuids().map(str),
    age=st.integers(0, 100),
    disabled=st.booleans(),
    earned_cents=st.integers(0, 800_000),
    unearned_cents=st.integers(0, 400_000),
)
expenses = st.builds(
    Expenses,
    shelter_cents=st.integers(0, 300_000),
    pays_heating_or_cooling=st.booleans(),
    dependent_care_cents=st.integers(0, 100_000),
    medical_cents=st.integers(0, 100_000),
    child_support_paid_cents=st.integers(0, 50_000),
    homeless=st.booleans(),
)


@st.composite
def households(draw: st.DrawFn) -> SnapFacts:
    month = draw(st.sampled_from(MONTHS))
    state = draw(st.sampled_from([*MAINLAND, "AK", "HI"]))
    return SnapFacts(
        benefit_month=month,
        state_code=state,
        members=tuple(draw(st.lists(members, min_size=1, max_size=10))),
        expenses=draw(expenses),
        alaska_area=draw(st.sampled_from(["", "urban", "rural_1", "rural_2"]))
        if state == "AK"
        else "",
    )


@settings(max_examples=400, deadline=None)
@given(households(), st.integers(0, 9), st.integers(1, 500_000))
def test_more_earned_income_never_raises_the_allotment(
    facts: SnapFacts, who: int, extra_cents: int
) -> None:
    index = who % len(facts.members)
    richer_member = dataclasses.replace(
        facts.members[index], earned_cents=facts.members[index].earned_cents + extra_cents
    )
    richer = dataclasses.replace(
        facts, members=(*facts.members[:index], richer_member, *facts.members[index + 1 :])
    )
    assert determine(richer, PARAMS).allotment_cents <= determine(facts, PARAMS).allotment_cents


@settings(max_examples=200, deadline=None)
@given(households(), st.randoms(use_true_random=False))
def test_member_order_does_not_change_the_determination(facts: SnapFacts, random) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(facts.members)
    random.shuffle(shuffled)
    reordered = dataclasses.replace(facts, members=tuple(shuffled))
    assert determine(reordered, PARAMS) == determine(facts, PARAMS)


@settings(max_examples=300, deadline=None)
@given(households())
def test_allotment_is_zero_when_ineligible_and_never_above_the_maximum(facts: SnapFacts) -> None:
    result = determine(facts, PARAMS)
    figures = Figures(PARAMS, facts.benefit_month, facts.state_code, facts.alaska_area)
    maximum = figures.max_allotment(len(facts.members))
    assert 0 <= result.allotment_cents <= maximum.value
    assert result.eligible == (result.allotment_cents > 0)
    assert 0 <= result.net_income_cents <= result.gross_income_cents


@settings(max_examples=200, deadline=None)
@given(households(), st.integers(1, 200_000))
def test_higher_shelter_costs_never_lower_the_allotment(facts: SnapFacts, extra: int) -> None:
    dearer = dataclasses.replace(
        facts,
        expenses=dataclasses.replace(
            facts.expenses, shelter_cents=facts.expenses.shelter_cents + extra
        ),
    )
    assert determine(dearer, PARAMS).allotment_cents >= determine(facts, PARAMS).allotment_cents
