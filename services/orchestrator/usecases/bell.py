"""An in-process wake-up: whoever changed something rings, whoever waits for a change
stops waiting early. It only shortens a wait: the waiters still look at the database on
their own interval, which is what tells them of changes made by other processes."""

from __future__ import annotations

import asyncio
import contextlib


class Bell:
    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        # A fresh event for the next round, so a waiter that arrives after this ring waits
        # for the next one; everyone already waiting is woken by the old one.
        rung, self._rung = self._rung, asyncio.Event()
        rung.set()

    async def wait(self, seconds: float) -> bool:
        """True when rung within ``seconds``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._rung.wait(), seconds)
            return True
        return False
