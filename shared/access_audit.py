"""Every call the gate refuses is written to the service's ``access`` audit log: a
hash-chained log of its own, in the service's own database, so an agency that keeps no
personal records (USDA) still keeps the record of who tried to call it."""

from __future__ import annotations

from sqlmodel import Session

from shared.access import Refusal
from shared.audit import Outcome, audit_log
from shared.clock import Clock
from shared.context import Principal
from shared.db import Database
from shared.security import RefusalSink

ACCESS = audit_log("access")
# A refused call names no person: the entry's subject is this placeholder.
NO_SUBJECT = "-"


def open_access_audit(url: str) -> Database:
    db = Database(url, ACCESS.tables)
    db.create_tables()
    return db


def refusal_sink(db: Database, clock: Clock) -> RefusalSink:
    """Writes one entry per refused call: who (as proven), which method, which purpose, why."""

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

    return record
