"""An injectable clock, so rules and the simulator can replay time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
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


class FileClock:
    """A clock a simulator moves from outside the process: "now" is the instant written in
    a file (ISO 8601), re-read when the file changes; until the file exists, ``base``'s.
    Every service of a local stack pointed at one file shares one simulated time."""

    def __init__(self, path: Path, base: Clock) -> None:
        self._path = path
        self._base = base
        self._seen: tuple[int, dt.datetime] | None = None

    def now(self) -> dt.datetime:
        try:
            stamp = self._path.stat().st_mtime_ns
        except OSError:
            return self._base.now()
        if self._seen is None or self._seen[0] != stamp:
            try:
                self._seen = (stamp, parse_instant(self._path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                return self._seen[1] if self._seen else self._base.now()
        return self._seen[1]


def parse_instant(text: str) -> dt.datetime:
    at = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def clock_from_setting(fixed_at: str | None, clock_file: str = "") -> Clock:
    """A fixed clock when ELIG_CLOCK_FIXED_AT names an instant, else the system clock;
    with ELIG_CLOCK_FILE, the instant in that file once it is written."""
    base: Clock = FixedClock(parse_instant(fixed_at)) if fixed_at else SystemClock()
    return FileClock(Path(clock_file), base) if clock_file else base
