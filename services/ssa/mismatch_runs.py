"""Runs of non-matches from one caller: what guessing at an SSN's name or birth date
looks like from SSA's side, worth an entry of its own in the audit log.

A legitimate caller mostly asks about people who are who they say; one that keeps
getting NO_RECORD, NAME_MISMATCH or BIRTH_DATE_MISMATCH answers in a row is probing
or badly broken. Each time a caller's run reaches a multiple of ``threshold`` (5, 10,
15, ...) the run is reported, so a long one shows up again and again, and its length.

The counts live in the process, for the reasons the limiter gives: with replicas a
run split between them is reported later or not at all, which is why the per-answer
entries stay in the log as well.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

DEFAULT_THRESHOLD = 5


class MismatchRuns:
    def __init__(self, threshold: int = DEFAULT_THRESHOLD) -> None:
        if threshold < 1:
            raise ValueError("a mismatch run is at least one non-match long")
        self.threshold = threshold
        self._runs: dict[str, int] = {}
        # Answers are observed inside each request's unit of work, in worker threads.
        self._lock = threading.Lock()

    def observe(self, caller: str, matched: Sequence[bool]) -> list[tuple[int, int]]:
        """Count one request's answers, in order; for each answer that brings the
        caller's run to a multiple of the threshold, its position and the run's length."""
        reached: list[tuple[int, int]] = []
        with self._lock:
            run = self._runs.get(caller, 0)
            for position, match in enumerate(matched):
                run = 0 if match else run + 1
                if run and run % self.threshold == 0:
                    reached.append((position, run))
            if run:
                self._runs[caller] = run
            else:
                self._runs.pop(caller, None)
        return reached
