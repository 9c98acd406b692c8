"""WatchDeathReports: every death report after a sequence, then each new one as it is
recorded, for as long as the reader listens.

The table is the source of truth, polled every ``poll_seconds``, so a report recorded
by another replica on the same database arrives within one interval; a report recorded
by this process wakes its readers at once. Each report is written to the audit log as
disclosed to the reader before it is sent, in the unit of work that read it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import structlog
from sqlmodel import Session

from services.ssa import deaths
from services.ssa.disclosure import record_death_fact
from shared.audit import Outcome
from shared.audit_trail import Asker, Disclosure
from shared.clock import Clock
from shared.db import Database

log = structlog.get_logger("ssa")

POLL_SECONDS = 0.5
BATCH = 100
# What a reader's disclosures are audited under: the stream carries no case or purpose.
FEED_PURPOSE = "death-report-feed"


class DeathFeed:
    def __init__(
        self, db: Database, clock: Clock, subject_key: bytes, poll_seconds: float = POLL_SECONDS
    ) -> None:
        self._db = db
        self._clock = clock
        self._subject_key = subject_key
        self._poll = poll_seconds
        self._news = asyncio.Event()

    def recorded(self) -> None:
        """Wake every reader now: a report was just committed in this process."""
        news, self._news = self._news, asyncio.Event()
        news.set()

    async def follow(self, after: int, asker: Asker) -> AsyncIterator[deaths.DeathReport]:
        cursor = after
        while True:
            # Taken before reading, so a report committed during the read still wakes us.
            news = self._news
            batch = await self._db.run(lambda s, c=cursor: self._disclose(s, c, asker))
            for report in batch:
                yield report
                cursor = report.sequence
            if len(batch) == BATCH:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(news.wait(), self._poll)

    def _disclose(self, session: Session, after: int, asker: Asker) -> list[deaths.DeathReport]:
        batch = deaths.reports_after(session, after, BATCH)
        if batch:
            now: dt.datetime = self._clock.now()
            record_death_fact(
                session,
                self._subject_key,
                asker,
                now,
                [Disclosure(r.ssn, Outcome.DISCLOSED, f"death report {r.sequence}") for r in batch],
            )
            log.info("death reports sent", count=len(batch), last=batch[-1].sequence)
        return batch


def feed_asker() -> Asker:
    return Asker.of_current_call("", FEED_PURPOSE)
