"""Group commit: small writes from concurrent calls committed together, each caller told
only once its own write is on disk.

Every application records its agency requests before sending them, each in a short
transaction of its own. Under load those transactions queue for the one writer (SQLite)
or for the audit chain's lock (PostgreSQL), and each pays a commit. Here the writes that
arrive while a commit is under way wait for the next one, which takes them all: the
same guarantee (committed before the caller goes on), far fewer commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlmodel import Session

from shared.db import Database

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """``await write(item)`` returns when ``item`` is committed by ``write_all`` (one
    transaction for every item waiting), or raises what that transaction raised."""

    def __init__(self, db: Database, write_all: Callable[[Session, list[T]], None]) -> None:
        self._db = db
        self._write_all = write_all
        self._waiting: list[tuple[T, asyncio.Future[None]]] = []
        self._running: asyncio.Task[None] | None = None

    async def write(self, item: T) -> None:
        done = asyncio.get_running_loop().create_future()
        # Read here so that a failure whose caller was cancelled is not reported as unread.
        done.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._waiting.append((item, done))
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._drain())
        # The commit goes on if this caller is cancelled: the others wait for it.
        await asyncio.shield(done)

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            items = [item for item, _ in batch]
            try:
                await self._db.run(lambda s, items=items: self._write_all(s, items))
            except BaseException as error:  # every waiter hears why its write failed
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                if isinstance(error, asyncio.CancelledError):
                    for _, done in self._waiting:
                        done.set_exception(error)
                    self._waiting = []
                    raise
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)
