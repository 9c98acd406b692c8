"""Calendar arithmetic that every date survives, 29 February included."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

D = TypeVar("D", dt.date, dt.datetime)


def add_years(value: D, years: int) -> D:
    """The same month and day ``years`` later; 29 February becomes 28 February in a
    common year, so a period measured in years never runs past its anniversary."""
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # only 29 February has no twin in a common year
        return value.replace(year=value.year + years, day=28)
