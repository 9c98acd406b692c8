"""Background work done in rounds (follow-up of pending cases, the 90-day clock): one loop,
so a bad round is logged the same way everywhere and never ends the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger("orchestrator.rounds")


async def repeat(round_: Callable[[], Awaitable[object]], interval: float, what: str) -> None:
    """``round_`` every ``interval`` seconds until cancelled (the server's shutdown)."""
    while True:
        try:
            await round_()
        except Exception as error:  # noqa: BLE001 - a bad round must not end the loop
            log.warning("round failed", work=what, error_type=type(error).__name__)
        await asyncio.sleep(interval)
