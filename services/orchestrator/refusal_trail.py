"""Refusals inside the orchestrator's methods on its audit trail, within a bound.

A case, consent or person that is not the caller's, an SSN they may not have filled in,
or a purpose their role may not declare, is refused inside the method, after the gate let the call in. Each such refusal is
written to the orchestrator's audit trail, where the person's disclosure report shows it;
but a caller probing ids one after another must not make the trail grow one entry per
probe. So these refusals go through the same windows as the gate's (shared/refusal_windows.py,
the same settings): per caller and window, the first ``per_window`` are written as they
happen (who, in which method, about whom, and the case id probed where it is one of ours),
and the rest are counted into one SUMMARY entry on the same chain.

A summary names no one, so a prober could spend a window's entries on ids that name
nothing and then try real records unseen by the people in them. A refusal about a record
on file (a case or consent that exists) is therefore written the first time each caller
tries that record in a window, whatever the count; only its repeats are counted. That
costs the trail an entry set per real record a prober names, never one per made-up id.

One trail per database in a process, so every use case that refuses counts in the same
windows; the server sets its figures from the settings before it builds the use cases.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from services.orchestrator import audit_trail
from services.orchestrator.adapters.tables import AUDIT
from services.orchestrator.audit_trail import REFUSED, notes_for
from shared.access_audit import summary_detail
from shared.audit import AuditRecord
from shared.clock import Clock
from shared.context import Principal, current_method, current_principal
from shared.db import Database
from shared.errors import ServiceError
from shared.rate_limit import caller_key
from shared.refusal_windows import DEFAULT_PER_WINDOW, DEFAULT_WINDOW_SECONDS, Held, RefusalWindows

# A summary stands for refusals about many records and names none of them.
SUMMARY_SUBJECT = "-"


@dataclass(frozen=True)
class Refused:
    """A refusal to record, then raise: the error the caller hears, whom it was about
    (keyed references), what was asked for, under which purpose, and the case id named
    (empty when it may be anything a caller typed)."""

    error: ServiceError
    subject_refs: tuple[str, ...]
    facts: tuple[str, ...]
    purpose: str
    case_id: str = ""
    # The record on file it was about (a case or consent id that exists); empty when what
    # the caller named may be nothing at all.
    on_file: str = ""

    @property
    def reason(self) -> str:
        return self.error.reason


class RefusalTrail:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        per_window: int = DEFAULT_PER_WINDOW,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._clock = clock
        self._monotonic = monotonic
        self._seconds = window_seconds
        # Per caller: when their window of records tried ends, and the records tried in it.
        self._tried: dict[str, tuple[float, set[str]]] = {}
        self._windows: RefusalWindows[Refused] = RefusalWindows(
            self._write_one,
            self._summarize,
            clock,
            per_window=per_window,
            window_seconds=window_seconds,
            monotonic=monotonic,
        )

    async def refuse(self, refused: Refused) -> ServiceError:
        """``refused`` on the trail, or counted; the error for the use case to raise."""
        who = current_principal()
        if refused.on_file and self._first_try(who, refused.on_file):
            await self._write_one(who, current_method(), refused.purpose, refused)
            return refused.error
        await self._windows(who, current_method(), refused.purpose, refused)
        return refused.error

    def _first_try(self, who: Principal, record: str) -> bool:
        """Whether ``who`` tries ``record`` for the first time in their current window."""
        key, now = caller_key(who), self._monotonic()
        ends, tried = self._tried.get(key, (0.0, set()))
        if now >= ends:
            # Windows ended are dropped as new ones open, so the table holds open ones only.
            self._tried = {k: v for k, v in self._tried.items() if v[0] > now}
            ends, tried = now + self._seconds, set()
            self._tried[key] = (ends, tried)
        if record in tried:
            return False
        tried.add(record)
        return True

    async def close(self) -> None:
        """Write the summaries still open (the server is stopping)."""
        await self._windows.close()

    async def _write_one(
        self, who: Principal, method: str, purpose: str | None, refused: Refused
    ) -> None:
        detail = f"{refused.reason}: {method}" if method else refused.reason
        notes = notes_for(
            who.audit_name,
            refused.subject_refs,
            refused.facts,
            refused.purpose,
            REFUSED,
            detail,
        )
        at = self._clock.now()
        await self._db.run(lambda s: audit_trail.write(s, notes, refused.case_id, at))

    async def _summarize(self, held: Held) -> None:
        record = AuditRecord(
            at=self._clock.now(),
            actor_service=held.who.audit_name[:64],
            actor_caseworker=(held.who.caseworker or "")[:64],
            subject_ref=SUMMARY_SUBJECT,
            facts=tuple(held.methods),
            purpose=next(iter(held.purposes)) if len(held.purposes) == 1 else "-",
            outcome=REFUSED,
            detail=summary_detail(held),
        )

        def write(session: Session) -> None:
            AUDIT.record_many(session, [record])

        await self._db.run(write)


_TRAILS: weakref.WeakKeyDictionary[Database, RefusalTrail] = weakref.WeakKeyDictionary()


def refusal_trail(db: Database, clock: Clock) -> RefusalTrail:
    """The process's trail for ``db``: the default figures unless ``bound_trail`` set
    others first."""
    trail = _TRAILS.get(db)
    if trail is None:
        trail = _TRAILS[db] = RefusalTrail(db, clock)
    return trail


def bound_trail(
    db: Database, clock: Clock, *, per_window: int, window_seconds: float
) -> RefusalTrail:
    """The trail for ``db`` with these figures (the server's settings), for every use
    case built on ``db`` from now on."""
    trail = _TRAILS[db] = RefusalTrail(
        db, clock, per_window=per_window, window_seconds=window_seconds
    )
    return trail
