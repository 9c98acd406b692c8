"""The event loop every service runs on, and the bench's echo ceiling with them, so the
two are compared on the same loop: asyncio's own, or uvloop where ELIG_EVENT_LOOP says so."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

VARIABLE = "ELIG_EVENT_LOOP"
ASYNCIO, UVLOOP = "asyncio", "uvloop"


def chosen() -> str:
    choice = os.environ.get(VARIABLE, "").strip().lower() or ASYNCIO
    if choice not in (ASYNCIO, UVLOOP):
        raise SystemExit(f"{VARIABLE} must be {ASYNCIO} or {UVLOOP}, not {choice!r}")
    return choice


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the chosen loop."""
    if chosen() == UVLOOP:
        import uvloop

        return uvloop.run(main)
    return asyncio.run(main)
