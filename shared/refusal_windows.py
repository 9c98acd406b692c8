"""Refused calls are audited, but a flood of them must not become a flood of writes.

Per caller (shared/rate_limit.py's key) and per window of ``window_seconds``, the first
``per_window`` refusals are written one entry each, as they happen. The rest are counted,
by reason and by method, and written as one summary entry when the window closes: at its
end, or at the caller's next refusal after it, or when the process stops, whichever comes
first. So a caller flooding a service costs it at most ``per_window + 1`` entries a
window, and every refused call is still in the log, one by one or in a count.

The gate's refusals go through one set of windows (shared/access_audit.py); the
orchestrator's refusals inside its methods through another, into its own audit trail
(services/orchestrator/refusal_trail.py).

Windows run on monotonic time, not the service's clock, which a replay may hold still.
They live in the process: with n workers a caller may cost n times as many entries.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

import structlog

from shared.clock import Clock
from shared.context import Principal
from shared.rate_limit import caller_key

# Audit entries written one by one, per caller and window, before they are counted instead.
DEFAULT_PER_WINDOW = 20
DEFAULT_WINDOW_SECONDS = 60.0
# Methods a summary names; the rest are counted under OTHER_METHODS.
MAX_METHODS = 16
OTHER_METHODS = "(other methods)"
# Past this many callers in open windows, new ones share one window (and one summary),
# so callers named without proof (plaintext mode) cannot grow the table without end.
MAX_CALLERS = 1024
MANY_CALLERS = "(many callers)"

log = structlog.get_logger("access_audit")


@dataclass
class Held:
    """The refusals a window counted instead of writing: what its summary entry says."""

    who: Principal
    count: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    methods: Counter[str] = field(default_factory=Counter)
    purposes: set[str] = field(default_factory=set)
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None

    def add(
        self, who: Principal, method: str, purpose: str | None, reason: str, at: dt.datetime
    ) -> None:
        if who != self.who:
            # One key, several names (the shared overflow window, or the orchestrator on
            # behalf of several people): the summary names no one it cannot stand behind.
            same_service = who.audit_name == self.who.audit_name
            self.who = Principal(
                self.who.service if same_service else MANY_CALLERS,
                self.who.caseworker if who.caseworker == self.who.caseworker else None,
                None,
                self.who.audit_name if same_service else MANY_CALLERS,
            )
        self.count += 1
        self.reasons[reason] += 1
        if method in self.methods or len(self.methods) < MAX_METHODS:
            self.methods[method] += 1
        else:
            self.methods[OTHER_METHODS] += 1
        if len(self.purposes) < 2:
            self.purposes.add(purpose or "-")
        self.first_at = self.first_at or at
        self.last_at = at


SummaryWriter = Callable[[Held], Awaitable[None]]


class Reasoned(Protocol):
    @property
    def reason(self) -> str: ...


# What a refusal carries to ``write_one``: the gate's Refusal, or a service's own record
# of a refusal inside a method (what it was about), counted by its reason alike.
R = TypeVar("R", bound=Reasoned)


@dataclass
class _Window:
    ends: float
    written: int = 0
    held: Held | None = None
    timer: asyncio.TimerHandle | None = None


class RefusalWindows(Generic[R]):
    """A RefusalSink (for R = Refusal) that writes through ``write_one`` while a caller's
    window has room and through ``write_summary`` for what it counted instead."""

    def __init__(
        self,
        write_one: Callable[[Principal, str, str | None, R], Awaitable[None]],
        write_summary: SummaryWriter,
        clock: Clock,
        *,
        per_window: int = DEFAULT_PER_WINDOW,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_window < 1 or window_seconds <= 0:
            raise ValueError("refusal windows need at least one entry and a positive length")
        self._write_one = write_one
        self._write_summary = write_summary
        self._clock = clock
        self._per_window = per_window
        self._seconds = window_seconds
        self._monotonic = monotonic
        self._windows: dict[str, _Window] = {}
        self._closing: set[asyncio.Task[None]] = set()

    async def __call__(self, who: Principal, method: str, purpose: str | None, refusal: R) -> None:
        key = caller_key(who)
        now = self._monotonic()
        window = self._windows.get(key)
        if window is not None and now >= window.ends:
            await self._close(key, window)
            window = None
        if window is None:
            if len(self._windows) >= MAX_CALLERS:
                await self._close_ended(now)
            if len(self._windows) >= MAX_CALLERS:
                key = MANY_CALLERS
                window = self._windows.get(key)
            if window is None:
                window = self._windows[key] = _Window(ends=now + self._seconds)
        if window.written < self._per_window:
            window.written += 1
            await self._write_one(who, method, purpose, refusal)
            return
        if window.held is None:
            window.held = Held(who)
            window.timer = asyncio.get_running_loop().call_later(
                max(window.ends - now, 0.0), self._close_soon, key, window
            )
        window.held.add(who, method, purpose, refusal.reason, self._clock.now())

    async def close(self) -> None:
        """Write every summary still open (the process is stopping)."""
        for key, window in list(self._windows.items()):
            await self._close(key, window)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    async def _close_ended(self, now: float) -> None:
        for key, window in list(self._windows.items()):
            if now >= window.ends:
                await self._close(key, window)

    def _close_soon(self, key: str, window: _Window) -> None:
        task = asyncio.get_running_loop().create_task(self._close_logged(key, window))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close_logged(self, key: str, window: _Window) -> None:
        # No call waits on this write to hear of its failure; the log must.
        held = window.held
        try:
            await self._close(key, window)
        except Exception:
            log.exception(
                "refusal summary could not be written",
                caller=key,
                refusals=held.count if held else 0,
            )

    async def _close(self, key: str, window: _Window) -> None:
        # Taken out before the write is awaited, so a refusal arriving meanwhile opens a
        # new window instead of adding to a summary already on its way.
        if self._windows.get(key) is window:
            del self._windows[key]
        if window.timer is not None:
            window.timer.cancel()
            window.timer = None
        held, window.held = window.held, None
        if held is not None:
            await self._write_summary(held)
