"""Single-flight: concurrent callers asking for the same thing share one run of the work.

A retried mutation (the same ``request_id`` sent again while the first copy is still
being served) then waits for the first copy's answer instead of repeating its side
effects. This holds within one process; across replicas the database's unique
constraint has the last word.

The shared run is a task of its own: a caller that gives up (its deadline passed, its
connection dropped) stops waiting, but the work goes on for the others and finishes,
so a later retry finds its result stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class SingleFlight(Generic[K, T]):
    """One event loop's flights, by key."""

    def __init__(self) -> None:
        self._flights: dict[K, asyncio.Task[T]] = {}

    def in_flight(self, key: K) -> bool:
        return key in self._flights

    async def run(self, key: K, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """``work()``'s result, started now or shared with the caller who started it."""
        flight = self._flights.get(key)
        if flight is None:
            # No await between the lookup and this line: two callers cannot both start.
            flight = asyncio.create_task(work())
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._landed(key, done))
        return await asyncio.shield(flight)

    def _landed(self, key: K, flight: asyncio.Task[T]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        # Mark the error as seen: every waiter gets it; with no waiter left, asyncio would
        # otherwise print it, message and all, outside our redacting logger.
        if not flight.cancelled():
            flight.exception()
