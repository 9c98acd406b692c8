"""An injectable clock, so rules and the simulator can replay time."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    """Wall-clock time, always timezone-aware UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stands still until told to move; for tests and replays."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at

    def now(self) -> dt.datetime:
        return self._at

    def set(self, at: dt.datetime) -> None:
        self._at = at

    def advance(self, delta: dt.timedelta) -> None:
        self._at += delta


def today(clock: Clock) -> dt.date:
    return clock.now().date()


def clock_from_setting(fixed_at: str | None) -> Clock:
    """A fixed clock when ELIG_CLOCK_FIXED_AT names an instant, else the system clock."""
    if not fixed_at:
        return SystemClock()
    at = dt.datetime.fromisoformat(fixed_at.replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return FixedClock(at)
