"""The day an answer holds from: the given day, moved into the plan year."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from services.orchestrator.domain.answer_day import answer_day


def test_a_day_inside_the_plan_year_is_kept() -> None:
    assert answer_day(2026, dt.date(2026, 11, 30)) == dt.date(2026, 11, 30)


def test_open_enrollment_for_next_year_holds_from_its_first_day() -> None:
    assert answer_day(2027, dt.date(2026, 11, 30)) == dt.date(2027, 1, 1)


def test_a_year_already_over_holds_from_no_later_than_its_last_day() -> None:
    assert answer_day(2025, dt.date(2026, 1, 10)) == dt.date(2025, 12, 31)


@given(
    st.integers(min_value=2014, max_value=2040),
    st.dates(min_value=dt.date(2013, 1, 1), max_value=dt.date(2041, 12, 31)),
)
def test_the_day_is_always_in_the_plan_year_and_moves_only_when_outside_it(
    plan_year: int, day: dt.date
) -> None:
    held = answer_day(plan_year, day)
    assert held.year == plan_year
    assert (held == day) == (day.year == plan_year)
