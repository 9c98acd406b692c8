"""Expensive calls (reading a whole audit chain, a report over every case, a what-if sweep
of many agency calls) run one at a time per caller: a second one while the first runs is
refused at once with RESOURCE_EXHAUSTED, so no single caller can pile them up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc

from shared.errors import ServiceError

BUSY = "EXPENSIVE_CALL_IN_PROGRESS"


class OneAtATime:
    def __init__(self) -> None:
        self._running: set[tuple[str, str]] = set()

    @asynccontextmanager
    async def slot(self, caller: str, what: str) -> AsyncIterator[None]:
        key = (caller, what)
        if key in self._running:
            raise ServiceError(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                BUSY,
                f"your previous {what} is still running; wait for it before asking again",
            )
        self._running.add(key)
        try:
            yield
        finally:
            self._running.discard(key)
