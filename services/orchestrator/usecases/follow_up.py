"""Pending verifications are followed up: a case left pending because a source could not
answer is asked again, determined again, and settled when the source answers.

45 CFR 155.315(f) gives a person 90 days to resolve an inconsistency; while a source is
down that clock is ours to use, not theirs to run out. Each round claims a batch of pending
cases (several workers on one PostgreSQL take different ones: SKIP LOCKED), rechecks each
through the same path as an application, and leaves a case that is still pending alone
until its retry time. A recheck that moves answers tells HHS and USDA in its own
transaction (redetermination_notices.py), as a reported change does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from services.orchestrator.adapters import repository
from services.orchestrator.usecases import rounds
from services.orchestrator.usecases.apply import Coordinator
from shared.clock import Clock, SystemClock
from shared.context import purpose
from shared.db import Database
from shared.purposes import DETERMINATION

log = structlog.get_logger("orchestrator.follow_up")


@dataclass
class Round:
    claimed: int = 0
    determined: int = 0
    still_pending: int = 0
    failed: int = 0


class FollowUp:
    def __init__(
        self,
        db: Database,
        coordinator: Coordinator,
        clock: Clock,
        worker: str,
        *,
        budget_seconds: float,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        retry_after: dt.timedelta = dt.timedelta(minutes=5),
        batch: int = 20,
        leases: Clock | None = None,
        after_write: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        # Rung when notices were written: this process's dispatcher sends them at once.
        self._after_write = after_write
        # Claims and retry waits are measured in real time (see repository.claim_pending).
        self._leases = leases or SystemClock()
        self._coordinator = coordinator
        self._clock = clock
        self._worker = worker
        self._budget = budget_seconds
        self._lease = lease
        self._retry_after = retry_after
        self._batch = batch

    async def run_once(self) -> Round:
        """One round: claim a batch of pending cases and recheck each."""
        # What agencies are told this is for: the determination the case is waiting on.
        purpose.set(DETERMINATION)
        now = self._leases.now()
        claimed = await self._db.run(
            lambda s: repository.claim_pending(s, self._worker, now, self._lease, self._batch)
        )
        result = Round(claimed=len(claimed))
        for case_id in claimed:
            told: list[str] = []
            try:
                status = await self._coordinator.recheck(
                    case_id, self._worker, lambda: self._budget, self._retry_after, told
                )
            except Exception as error:  # noqa: BLE001 - the claim lapses; a later round retries
                result.failed += 1
                log.warning("recheck failed", case_id=case_id, error_type=type(error).__name__)
                continue
            if told:
                log.info("agencies told of a recheck", case_id=case_id, notified=told)
                if self._after_write is not None:
                    self._after_write()
            if status == repository.PENDING:
                result.still_pending += 1
            else:
                result.determined += 1
        if claimed:
            log.info("follow-up round", worker=self._worker, **result.__dict__)
        return result

    async def run_forever(self, interval: float) -> None:
        """Rounds every ``interval`` seconds until cancelled (the server's shutdown)."""
        await rounds.repeat(
            self.run_once, interval, "follow-up", lambda r: r.claimed >= self._batch
        )
