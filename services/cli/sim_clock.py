"""The clock file a simulator moves (ELIG_CLOCK_FILE: every service of the stack reads "now"
from it), and waiting for the orchestrator's rounds to act on what fell due.

Time only moves forward: a stack has already written records at the time the file reads,
and an earlier "now" would make them come from the future.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from shared.clock import parse_instant


class ClockAhead(Exception):
    """The clock file already reads later than the time asked for."""

    def __init__(self, reads: dt.datetime, wanted: dt.datetime) -> None:
        super().__init__(f"the clock reads {reads.isoformat()}, after {wanted.isoformat()}")
        self.reads = reads
        self.wanted = wanted


class SimClock:
    def __init__(self, path: Path) -> None:
        self.path = path

    def reads(self) -> dt.datetime | None:
        """The instant the file holds, or None before it is first written."""
        try:
            return parse_instant(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def check_not_after(self, at: dt.datetime) -> None:
        """Raise ClockAhead if the stack's time is already later than ``at``."""
        now = self.reads()
        if now is not None and now > at:
            raise ClockAhead(now, at)

    def move_to(self, at: dt.datetime) -> dt.datetime:
        """Move the stack's clock to ``at`` if that is later than it reads; returns what it
        reads afterwards. The file is replaced whole, so a service never reads half of it."""
        now = self.reads()
        if now is not None and now >= at:
            return now
        part = self.path.with_name(self.path.name + ".part")
        part.write_text(at.isoformat(), encoding="utf-8")
        os.replace(part, self.path)
        return at


def overdue(case: pb.Case, today: dt.date) -> int:
    """How many of the case's open issues had their period end before ``today``."""
    return sum(
        1
        for i in case.data_matching_issues
        if dt.date(i.due_date.year, i.due_date.month, i.due_date.day) < today
    )


def latest_due(cases: Iterable[pb.Case]) -> dt.date | None:
    dues = [
        dt.date(i.due_date.year, i.due_date.month, i.due_date.day)
        for case in cases
        for i in case.data_matching_issues
    ]
    return max(dues, default=None)


def wait_until(
    read: Callable[[list[str]], dict[str, pb.Case]],
    waiting: Callable[[pb.Case], bool],
    case_ids: Iterable[str],
    patience: float = 60.0,
    pause: float = 0.5,
) -> dict[str, pb.Case]:
    """Read the cases until none is ``waiting`` (the orchestrator's rounds or its dispatcher
    run in the background), or until ``patience`` seconds pass with no case done. Returns
    the cases as last read (the caller keeps them: they are the newest)."""
    left = list(case_ids)
    seen: dict[str, pb.Case] = {}
    last_progress = time.monotonic()
    while left:
        fresh = read(left)
        seen.update(fresh)
        still = [c for c in left if c in fresh and waiting(fresh[c])]
        if len(still) < len(left):
            last_progress = time.monotonic()
        left = still
        if left and time.monotonic() - last_progress > patience:
            break
        if left:
            time.sleep(pause)
    return seen
