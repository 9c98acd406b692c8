"""Background work done in rounds (follow-up of pending cases, the 90-day clock): one loop,
so a bad round is logged the same way everywhere and never ends the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

log = structlog.get_logger("orchestrator.rounds")
R = TypeVar("R")


async def repeat(
    round_: Callable[[], Awaitable[R]],
    interval: float,
    what: str,
    more: Callable[[R], bool] = lambda _: False,
) -> None:
    """``round_`` every ``interval`` seconds until cancelled (the server's shutdown), and
    at once again when ``more`` says the round left work behind (it took a full batch): a
    backlog, such as every issue of a simulated quarter falling due at one move of the
    clock, is worked through without an interval's pause per batch."""
    while True:
        again = False
        try:
            again = more(await round_())
        except Exception as error:  # noqa: BLE001 - a bad round must not end the loop
            log.warning("round failed", work=what, error_type=type(error).__name__)
        await asyncio.sleep(0 if again else interval)
