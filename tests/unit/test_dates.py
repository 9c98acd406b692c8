"""Year arithmetic that survives 29 February."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from shared.dates import add_years


def test_29_february_plus_five_years_is_28_february() -> None:
    leap_day = dt.datetime(2028, 2, 29, 12, 30, tzinfo=dt.UTC)
    assert add_years(leap_day, 5) == dt.datetime(2033, 2, 28, 12, 30, tzinfo=dt.UTC)


def test_29_february_plus_four_years_is_29_february() -> None:
    assert add_years(dt.date(2028, 2, 29), 4) == dt.date(2032, 2, 29)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9000, 12, 31)), st.integers(0, 50))
def test_a_period_of_years_ends_on_its_anniversary_or_the_day_before(
    start: dt.date, years: int
) -> None:
    end = add_years(start, years)
    assert (end.year, end.month) == (start.year + years, start.month)
    assert end.day in (start.day, start.day - 1)
    assert end.day == start.day or (start.month, start.day) == (2, 29)
