"""The refusal audit's bound: per caller and window, a few entries one by one and one
summary for the rest, and every refused call in the log one way or the other."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.access import Refusal
from shared.clock import SystemClock
from shared.context import Principal
from shared.refusal_windows import MANY_CALLERS, Held, RefusalWindows

METHOD = "/eligibility.treasury.v1.IncomeVerificationService/VerifyHouseholdIncome"
NOT_ALLOWED = Refusal("CALLER_NOT_ALLOWED", "no")


class Ticks:
    def __init__(self) -> None:
        self.at = 0.0

    def __call__(self) -> float:
        return self.at


class Log:
    """What the windows wrote, in order: ("one", caller) or ("summary", caller, count)."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.summarized = asyncio.Event()

    async def one(self, who: Principal, method: str, purpose: str | None, refusal: Refusal) -> None:
        self.rows.append(("one", who.audit_name, refusal.reason))

    async def summary(self, held: Held) -> None:
        self.rows.append(("summary", held.who.audit_name, held.count))
        self.summarized.set()

    def calls(self) -> Counter[str]:
        counted: Counter[str] = Counter()
        for row in self.rows:
            counted[row[1]] += row[2] if row[0] == "summary" else 1
        return counted


@settings(max_examples=150, deadline=None)
@given(
    per_window=st.integers(min_value=1, max_value=6),
    steps=st.lists(
        st.tuples(st.sampled_from(["hhs", "usda", "ssa"]), st.floats(min_value=0, max_value=4)),
        max_size=150,
    ),
)
def test_writes_stay_bounded_and_every_refusal_is_counted(
    per_window: int, steps: list[tuple[str, float]]
) -> None:
    async def run() -> None:
        log, ticks = Log(), Ticks()
        windows = RefusalWindows(
            log.one,
            log.summary,
            SystemClock(),
            per_window=per_window,
            window_seconds=10.0,
            monotonic=ticks,
        )
        opened: dict[str, float] = {}
        writes: Counter[tuple[str, float]] = Counter()
        for caller, pause in steps:
            ticks.at += pause
            if caller not in opened or ticks.at >= opened[caller] + 10.0:
                opened[caller] = ticks.at
            before = len(log.rows)
            await windows(Principal(caller), METHOD, None, NOT_ALLOWED)
            for row in log.rows[before:]:
                if row[0] == "one":
                    writes[(row[1], opened[row[1]])] += 1
        await windows.close()
        # One by one, never more than the bound in any caller's window...
        assert all(n <= per_window for n in writes.values())
        # ...at most one summary per window, and no refusal lost.
        assert sum(r[0] == "summary" for r in log.rows) <= len(writes)
        assert log.calls() == Counter(caller for caller, _ in steps)

    asyncio.run(run())


async def test_a_window_left_open_is_summarized_when_it_ends_with_no_further_call() -> None:
    log = Log()
    windows = RefusalWindows(log.one, log.summary, SystemClock(), per_window=1, window_seconds=0.01)
    for _ in range(5):
        await windows(Principal("hhs"), METHOD, None, NOT_ALLOWED)
    await asyncio.wait_for(log.summarized.wait(), timeout=10)
    assert log.rows == [("one", "hhs", "CALLER_NOT_ALLOWED"), ("summary", "hhs", 4)]
    await windows.close()
    assert len(log.rows) == 2


async def test_callers_past_the_table_share_one_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names nothing proves (plaintext) cannot each open a window of their own for ever."""
    monkeypatch.setattr("shared.refusal_windows.MAX_CALLERS", 3)
    log, ticks = Log(), Ticks()
    windows = RefusalWindows(log.one, log.summary, SystemClock(), per_window=1, monotonic=ticks)
    for i in range(20):
        await windows(Principal(f"declared-{i}"), METHOD, None, NOT_ALLOWED)
    assert sum(r[0] == "one" for r in log.rows) == 4
    # Once their windows have ended, callers have windows of their own again.
    ticks.at += 60.0
    await windows(Principal("declared-20"), METHOD, None, NOT_ALLOWED)
    assert log.rows[-2:] == [
        ("summary", MANY_CALLERS, 16),
        ("one", "declared-20", "CALLER_NOT_ALLOWED"),
    ]
    await windows.close()
    assert sum(log.calls().values()) == 21
