"""Every call the gate refuses is written to the service's ``access`` audit log: a
hash-chained log of its own, in the service's own database, so an agency that keeps no
personal records (USDA) still keeps the record of who tried to call it. A caller's
refusals past a few a minute are counted and written as one summary entry
(shared/refusal_windows.py), so refused calls cannot make a service write at will."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session

from shared.access import Refusal
from shared.audit import Outcome, audit_log
from shared.clock import Clock
from shared.context import Principal
from shared.db import Database
from shared.refusal_windows import (
    DEFAULT_PER_WINDOW,
    DEFAULT_WINDOW_SECONDS,
    Held,
    RefusalWindows,
)

ACCESS = audit_log("access")
# A refused call names no person: the entry's subject is this placeholder.
NO_SUBJECT = "-"
# The detail of an entry that counts refusals not written one by one starts with this.
SUMMARY = "SUMMARY"


def open_access_audit(url: str) -> Database:
    db = Database(url, ACCESS.tables)
    db.create_tables()
    return db


def refusal_sink(
    db: Database,
    clock: Clock,
    *,
    per_window: int = DEFAULT_PER_WINDOW,
    window_seconds: float = DEFAULT_WINDOW_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
) -> RefusalWindows[Refusal]:
    """Writes one entry per refused call (who, as proven; which method, which purpose,
    why) up to ``per_window`` per caller a window, and one summary entry for the rest."""

    async def record(who: Principal, method: str, purpose: str | None, refusal: Refusal) -> None:
        def work(session: Session) -> None:
            ACCESS.append(
                session,
                at=clock.now(),
                actor_service=who.audit_name[:64],
                actor_caseworker=(who.caseworker or "")[:64],
                subject_ref=NO_SUBJECT,
                facts=(method[:200],),
                purpose=(purpose or "-")[:64],
                outcome=Outcome.REFUSED,
                detail=refusal.reason,
            )

        await db.run(work)

    async def summarize(held: Held) -> None:
        def work(session: Session) -> None:
            ACCESS.append(
                session,
                at=clock.now(),
                actor_service=held.who.audit_name[:64],
                actor_caseworker=(held.who.caseworker or "")[:64],
                subject_ref=NO_SUBJECT,
                facts=tuple(method[:200] for method in held.methods),
                purpose=(next(iter(held.purposes)) if len(held.purposes) == 1 else "-")[:64],
                outcome=Outcome.REFUSED,
                detail=summary_detail(held),
            )

        await db.run(work)

    return RefusalWindows(
        record,
        summarize,
        clock,
        per_window=per_window,
        window_seconds=window_seconds,
        monotonic=monotonic,
    )


def summary_detail(held: Held) -> str:
    """``SUMMARY <n> refused calls <first> to <last>: <REASON> <n>, ...; <method> <n>, ...``"""
    reasons = ", ".join(f"{reason} {n}" for reason, n in held.reasons.most_common())
    methods = ", ".join(f"{method} {n}" for method, n in held.methods.most_common())
    span = f"{_instant(held.first_at)} to {_instant(held.last_at)}"
    return f"{SUMMARY} {held.count} refused calls {span}: {reasons}; {methods}"


def _instant(at: dt.datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at is not None else "-"


def refused_calls_in(entries: Iterable[Any]) -> int:
    """How many refused calls these access-log entries stand for: one each, and a
    summary's count for a summary."""
    total = 0
    for entry in entries:
        words = entry.detail.split(" ", 2)
        summary = len(words) > 1 and words[0] == SUMMARY and words[1].isdigit()
        total += int(words[1]) if summary else 1
    return total
