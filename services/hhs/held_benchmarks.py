"""The rating areas and benchmark premiums of HHS's database, held in memory by the server.

Every Marketplace answer needs its county's benchmark, and reading it from the database
took about a third of a determination's time; the figures change only when a year's are
loaded (``elig data load-benchmarks``, or seeding a fresh database), in another process.
Each such write adds one to ``hhs_benchmark_version`` in its own transaction, so the server
reads one small row every few seconds and the whole table again only after a load.
"""

from __future__ import annotations

import asyncio

import structlog
from sqlmodel import Session

from services.hhs import repository
from services.hhs.benchmarks import AreaTable
from shared.db import Database

log = structlog.get_logger("hhs")


class HeldBenchmarks:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Read at once: the server answers its first call from memory too.
        with db.session() as session:
            self._version, self._table = _read(session)

    @property
    def table(self) -> AreaTable:
        return self._table

    @property
    def version(self) -> int:
        return self._version

    async def refresh(self) -> bool:
        """Read the figures again if a load changed them since; True if it did."""
        version = await self._db.read(repository.benchmark_version)
        if version == self._version:
            return False
        self._version, self._table = await self._db.read(_read)
        log.info("benchmark premiums read again after a load", version=self._version)
        return True

    async def run_forever(self, interval_seconds: float) -> None:
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                await self.refresh()
            except Exception as error:
                # The figures held still answer; the next round tries again.
                log.warning("benchmark premiums could not be checked", error=type(error).__name__)


def _read(session: Session) -> tuple[int, AreaTable]:
    # The version first: a load committed between the two reads is then read again at the
    # next check, never missed.
    version = repository.benchmark_version(session)
    return version, repository.area_table(session)
