"""The transactional outbox: change notices to agencies, written in the same transaction as
the determination that caused them, and delivered later by the dispatcher.

A notice row is the promise that an agency will be told. Because it commits with the case,
a crash after the commit loses nothing (the row waits) and a crash before it leaves nothing
to deliver. Delivery is at least once; the idempotency key makes a second delivery change
nothing at the agency. Several dispatchers on one database claim different rows: a claim is a
conditional update (and SKIP LOCKED on PostgreSQL), and it lapses if its worker dies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, or_, select

from eligibility.common.v1 import determination_pb2, life_event_pb2
from services.orchestrator.adapters.tables import OUTBOX_ACKNOWLEDGED as ACKNOWLEDGED
from services.orchestrator.adapters.tables import OUTBOX_PENDING as PENDING
from services.orchestrator.adapters.tables import OUTBOX_REFUSED as REFUSED
from services.orchestrator.adapters.tables import CaseRow, OutboxRow
from shared.limits import MAX_TEXT_CHARS


@dataclass(frozen=True)
class Delivery:
    """A claimed notice, ready to send."""

    id: int
    agency: str
    case_id: str
    notice: life_event_pb2.ChangeNotice
    attempts: int


def clipped_for_notice(
    answer: determination_pb2.ProgramDetermination,
) -> determination_pb2.ProgramDetermination:
    """``answer`` with each reason's sentence and citation cut to what an agency accepts in
    one field; the whole text stays on the case."""
    for reason in answer.reasons:
        if len(reason.message) > MAX_TEXT_CHARS:
            reason.message = reason.message[: MAX_TEXT_CHARS - 1] + "…"
        if len(reason.citation) > MAX_TEXT_CHARS:
            reason.citation = reason.citation[: MAX_TEXT_CHARS - 1] + "…"
    return answer


def idempotency_key(case_id: str, decision: str, agency: str) -> str:
    """One decision about a case told to one agency. ``decision`` names it among the case's
    decisions: a renewal's year, a recheck's revision, a settlement's issues, a reported
    change (reported_change)."""
    return f"{case_id}:{decision}:{agency}"


def reported_change(reported_by: str, request_id: str) -> str:
    """What names a reported change among its case's decisions: its reporter's request_id.
    A request_id is its reporter's own, so two reporters' same one are two changes; digested,
    so the key keeps to what an agency stores (160 characters) and names no caseworker."""
    digest = hashlib.sha256(f"{reported_by}\0{request_id}".encode()).hexdigest()[:24]
    return f"change-{digest}"


def row_values(
    agency: str,
    notice: life_event_pb2.ChangeNotice,
    now: dt.datetime,
    due: dt.datetime | None = None,
) -> dict[str, object]:
    """The columns of a new notice's row. ``now`` is the service's time (the record's);
    ``due``, when the dispatcher may first send it, is lease time (the dispatcher's wall
    clock; ``now`` if not given)."""
    return {
        "idempotency_key": notice.idempotency_key,
        "case_id": notice.case_id,
        "agency": agency,
        "kind": life_event_pb2.LifeEventKind.Name(notice.kind),
        "notice": notice.SerializeToString(),
        "created_at": now,
        "updated_at": now,
        "next_attempt_at": due or now,
    }


def enqueue(
    session: Session,
    agency: str,
    notice: life_event_pb2.ChangeNotice,
    now: dt.datetime,
    due: dt.datetime | None = None,
) -> None:
    """Add a notice in the caller's transaction (the one that saves the determination);
    ``now`` and ``due`` as for row_values. A new case's notices go in with its other rows
    instead (repository.save_new)."""
    session.add(OutboxRow(**row_values(agency, notice, now, due)))


def next_revision(session: Session, case_id: str) -> int:
    """The revision of the decision whose notices are being written: one more than the
    case's last. The increment takes the case row's lock, which the redetermination's own
    conditional update already holds, so two decisions of one case never share a number
    and the one committed later has the higher."""
    taken = session.execute(
        update(CaseRow)
        .where(col(CaseRow.case_id) == case_id)
        .values(notice_revision=CaseRow.notice_revision + 1)
        .returning(CaseRow.notice_revision)
    ).scalar_one()
    return int(taken)


def enqueue_decision(
    session: Session,
    case_id: str,
    notices: list[tuple[str, life_event_pb2.ChangeNotice]],
    now: dt.datetime,
    due: dt.datetime | None = None,
    *,
    named: Callable[[int], str] | None = None,
) -> None:
    """Add the notices of one redetermination of a case, (agency, notice) pairs, each
    carrying the decision's revision: the agencies keep the answers of the highest they
    were sent, so a late or replayed older decision never replaces a newer one. Nothing is
    numbered when no agency is told.

    ``named`` makes each notice's request id from the revision, for a decision that nothing
    but its number names (a recheck): the number is the case's own, taken under the case
    row's lock, so no other decision of the case has it, and a transaction rolled back
    leaves it to be taken again by the next try, whose notices were then never sent."""
    if not notices:
        return
    revision = next_revision(session, case_id)
    for agency, notice in notices:
        notice.revision = revision
        if named is not None:
            notice.idempotency_key = idempotency_key(case_id, named(revision), agency)
        enqueue(session, agency, notice, now, due)


def any_due(session: Session, now: dt.datetime) -> bool:
    """Whether any pending notice is due and unclaimed: a read, so that a dispatcher with
    nothing to do never takes the writer's turn (SQLite) to find that out."""
    free = or_(col(OutboxRow.claimed_until).is_(None), col(OutboxRow.claimed_until) < now)
    query = (
        select(OutboxRow.id)
        .where(OutboxRow.state == PENDING, col(OutboxRow.next_attempt_at) <= now, free)
        .limit(1)
    )
    return session.exec(query).first() is not None


def claim_due(
    session: Session, worker: str, now: dt.datetime, lease: dt.timedelta, limit: int
) -> list[Delivery]:
    """Claim up to ``limit`` pending notices that are due and held by no live worker, oldest
    first. ``now`` is lease time (the wall clock in a running service): a lease and a
    backoff are about live processes, not the service's clock, which a replay may hold
    still or a simulator may move by months.

    An agency hears of a case's changes in the order they happened: a notice waits while
    an older one of the same case to the same agency is still pending, so at most one
    notice per case and agency is ever in flight (two changes applied side by side at an
    agency could race, and the later one must not be overtaken)."""
    free = or_(col(OutboxRow.claimed_until).is_(None), col(OutboxRow.claimed_until) < now)
    older = aliased(OutboxRow)
    first_in_line = ~exists().where(
        older.case_id == OutboxRow.case_id,
        older.agency == OutboxRow.agency,
        older.state == PENDING,
        col(older.id) < col(OutboxRow.id),
    )
    query = (
        select(OutboxRow.id)
        .where(
            OutboxRow.state == PENDING,
            col(OutboxRow.next_attempt_at) <= now,
            free,
            first_in_line,
        )
        .order_by(col(OutboxRow.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed: list[Delivery] = []
    for row_id in list(session.exec(query)):
        taken = session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id) == row_id, OutboxRow.state == PENDING, free)
            .values(
                claimed_by=worker,
                claimed_until=now + lease,
                attempts=OutboxRow.attempts + 1,
                updated_at=now,
            )
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            row = session.get(OutboxRow, row_id)
            assert row is not None
            notice = life_event_pb2.ChangeNotice.FromString(row.notice)
            claimed.append(Delivery(row_id, row.agency, row.case_id, notice, row.attempts))
    return claimed


def acknowledge(
    session: Session,
    row_id: int,
    worker: str,
    acknowledgement: life_event_pb2.ChangeAcknowledgement,
    now: dt.datetime,
) -> bool:
    """Record the agency's receipt; False if the row was no longer this worker's (its claim
    lapsed and another worker took it) or was already settled."""
    done = session.execute(
        update(OutboxRow)
        .where(
            col(OutboxRow.id) == row_id,
            OutboxRow.state == PENDING,
            OutboxRow.claimed_by == worker,
        )
        .values(
            state=ACKNOWLEDGED,
            acknowledgement=acknowledgement.SerializeToString(),
            claimed_by="",
            claimed_until=None,
            updated_at=now,
            last_error="",
        )
    )
    return done.rowcount == 1  # type: ignore[attr-defined]


def retry_later(
    session: Session,
    row_id: int,
    worker: str,
    error: str,
    now: dt.datetime,
    next_attempt: dt.datetime,
) -> bool:
    """Release the claim and wait until ``next_attempt`` (the dispatcher's backoff); False
    if the claim had lapsed and another worker holds the row."""
    done = session.execute(
        update(OutboxRow)
        .where(
            col(OutboxRow.id) == row_id,
            OutboxRow.state == PENDING,
            OutboxRow.claimed_by == worker,
        )
        .values(
            claimed_by="",
            claimed_until=None,
            next_attempt_at=next_attempt,
            last_error=error[:200],
            updated_at=now,
        )
    )
    return done.rowcount == 1  # type: ignore[attr-defined]


def refuse(session: Session, row_id: int, worker: str, error: str, now: dt.datetime) -> bool:
    """The agency refused the notice for good (it is malformed for it): never sent again.
    False if the claim had lapsed and another worker holds the row."""
    done = session.execute(
        update(OutboxRow)
        .where(
            col(OutboxRow.id) == row_id,
            OutboxRow.state == PENDING,
            OutboxRow.claimed_by == worker,
        )
        .values(
            state=REFUSED, claimed_by="", claimed_until=None, last_error=error[:200], updated_at=now
        )
    )
    return done.rowcount == 1  # type: ignore[attr-defined]


def pending_count(session: Session) -> int:
    """Notices not yet acknowledged or refused (the dispatcher's backlog)."""
    return session.exec(select(func.count()).where(OutboxRow.state == PENDING)).one()


def by_ids(session: Session, row_ids: list[int]) -> dict[int, OutboxRow]:
    if not row_ids:
        return {}
    rows = session.exec(select(OutboxRow).where(col(OutboxRow.id).in_(row_ids)))
    return {row.id: row for row in rows if row.id is not None}


def for_case(session: Session, case_id: str) -> list[OutboxRow]:
    """Every notice of a case, oldest first (the case shows them)."""
    return list(
        session.exec(
            select(OutboxRow).where(OutboxRow.case_id == case_id).order_by(col(OutboxRow.id))
        )
    )
