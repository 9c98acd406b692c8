"""What the orchestrator disclosed, to whom, and what it was refused.

An agency request is recorded as REQUESTED, in a short transaction of its own, before
it is sent; its outcome (DISCLOSED, REFUSED or FAILED) is written with the case, or on
its own when the case is never saved. A crash or an error after an agency answered
therefore never leaves that exchange of personal data unrecorded on our side.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import weakref
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import structlog
from sqlmodel import Session

from services.orchestrator.adapters.tables import AUDIT
from shared.audit import AuditRecord, Outcome
from shared.clock import Clock
from shared.context import current_caseworker
from shared.db import Database
from shared.group_commit import GroupCommit

DISCLOSED, REFUSED, FAILED = Outcome.DISCLOSED, Outcome.REFUSED, Outcome.FAILED
REQUESTED = Outcome.REQUESTED

log = structlog.get_logger("orchestrator.audit")


@dataclass(frozen=True)
class AuditNote:
    # Who received or saw the data: an agency's service name, or the calling tool.
    actor_service: str
    subject_ref: str
    facts: tuple[str, ...]
    purpose: str
    outcome: Outcome
    detail: str = ""


def notes_for(
    actor: str,
    subject_refs: Iterable[str],
    facts: Iterable[str],
    purpose: str,
    outcome: Outcome,
    detail: str = "",
) -> list[AuditNote]:
    names = tuple(facts)
    return [AuditNote(actor, ref, names, purpose, outcome, detail) for ref in subject_refs]


def write(session: Session, notes: Iterable[AuditNote], case_id: str, at: dt.datetime) -> None:
    AUDIT.record_many(session, _records(notes, case_id, at, current_caseworker() or ""))


def _records(
    notes: Iterable[AuditNote], case_id: str, at: dt.datetime, caseworker: str
) -> list[AuditRecord]:
    return [
        AuditRecord(
            at=at,
            actor_service=note.actor_service,
            subject_ref=note.subject_ref,
            facts=note.facts,
            purpose=note.purpose,
            outcome=note.outcome,
            case_id=case_id,
            actor_caseworker=caseworker,
            detail=note.detail,
        )
        for note in notes
    ]


def _write_requests(session: Session, batches: list[list[AuditRecord]]) -> None:
    AUDIT.record_many(session, [record for batch in batches for record in batch])


# One group commit per database: the REQUESTED entries of every application under way
# share commits (shared/group_commit.py), each still on disk before its request is sent.
_REQUESTS: weakref.WeakKeyDictionary[Database, GroupCommit[list[AuditRecord]]] = (
    weakref.WeakKeyDictionary()
)


def _requests_of(db: Database) -> GroupCommit[list[AuditRecord]]:
    group = _REQUESTS.get(db)
    if group is None:
        group = _REQUESTS[db] = GroupCommit(db, _write_requests)
    return group


def as_outcome(notes: Iterable[AuditNote], outcome: Outcome, detail: str = "") -> list[AuditNote]:
    return [dataclasses.replace(n, outcome=outcome, detail=detail) for n in notes]


class Trail:
    """The audit notes of one application while it runs, under its case id."""

    def __init__(self, db: Database, clock: Clock, case_id: str) -> None:
        self._db = db
        self._clock = clock
        self.case_id = case_id
        # Outcomes not yet written: they go with the case, or alone through ``flush``.
        self.outcomes: list[AuditNote] = []
        # REQUESTED writes under way. A call cancelled while its entry is being written
        # (a sibling agency refused) cannot stop the database thread, so ``flush`` waits
        # for them: the audit log is complete before the caller hears the answer.
        self._writes: list[asyncio.Future[None]] = []

    def before_send(self, disclosed: list[AuditNote]) -> Callable[[], Awaitable[None]]:
        """What the gateway awaits before sending: ``disclosed`` committed as REQUESTED.
        If that cannot be written the request is not sent."""

        async def record() -> None:
            requested = as_outcome(disclosed, REQUESTED)
            records = _records(
                requested, self.case_id, self._clock.now(), current_caseworker() or ""
            )
            done = asyncio.ensure_future(_requests_of(self._db).write(records))
            self._writes.append(done)
            await asyncio.shield(done)

        return record

    def note(self, outcomes: Iterable[AuditNote]) -> None:
        self.outcomes += outcomes

    def failed(self, disclosed: Iterable[AuditNote], detail: str) -> None:
        self.note(as_outcome(disclosed, FAILED, detail))

    def write_outcomes(
        self, session: Session, at: dt.datetime, shown: Iterable[AuditNote] = ()
    ) -> None:
        """In the caller's transaction (the case's), in one append with ``shown``: what the
        caller is shown of the case saved there. ``shown`` is never kept for ``flush``, as
        a case that is not saved is shown to no one."""
        write(session, [*self.outcomes, *shown], self.case_id, at)

    async def flush(self) -> None:
        """Write the outcomes on their own, when the case will not be saved with them.
        Best effort: the REQUESTED entries are already on record if this fails too."""
        await asyncio.gather(*self._writes, return_exceptions=True)
        if not self.outcomes:
            return
        at = self._clock.now()
        try:
            await self._db.run(lambda s: self.write_outcomes(s, at))
        except Exception:
            log.exception("audit outcomes could not be written", entries=len(self.outcomes))
        else:
            self.outcomes = []
