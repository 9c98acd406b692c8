"""Receiving a change notice exactly once, however often it is delivered.

Each agency keeps a ``<agency>_received_change`` table (a subclass of
``ReceivedChangeBase``) whose idempotency key is UNIQUE. ``receive`` inserts the row
first, with ON CONFLICT DO NOTHING, and applies the agency's effect only when the
insert took: on PostgreSQL a second replica inserting the same key waits on the unique
index until the first commits, then inserts nothing and reads the first's row, so the
effect runs once between them; on SQLite the single writer does the same. The row, the
effect and the audit entry commit together or not at all.

A later delivery of the same notice gets the first acknowledgement back, marked
duplicate. A different notice under a key already used is refused (ALREADY_EXISTS):
acknowledging it would tell the sender something was done that was not.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from sqlalchemy import LargeBinary, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel

from eligibility.common.v1 import life_event_pb2
from shared.change_effect import Effect
from shared.change_notice import CheckedNotice
from shared.errors import ServiceError
from shared.protoconv import timestamp_to_proto

Action = life_event_pb2.ChangeAction
# The row is written before the effect is decided; this is never committed.
_PENDING = "PENDING"


class ReceivedChangeBase(SQLModel):
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=160)
    # SHA-256 of the notice's deterministic encoding.
    fingerprint: str = Field(max_length=64)
    case_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=32)
    effective_date: dt.date
    # The notice as received: what the agency was told, to be read back or replayed.
    notice: bytes = Field(sa_type=LargeBinary)
    caller: str = Field(max_length=64)
    action: str = Field(max_length=32)
    detail: str
    received_at: dt.datetime


@dataclass(frozen=True)
class Receipt:
    effect: Effect
    received_at: dt.datetime
    duplicate: bool

    def acknowledgement(self, key: str, agency: str) -> life_event_pb2.ChangeAcknowledgement:
        return life_event_pb2.ChangeAcknowledgement(
            idempotency_key=key,
            agency=agency,
            action=Action.Value(f"CHANGE_ACTION_{self.effect.action}"),
            detail=self.effect.detail,
            receive_time=timestamp_to_proto(self.received_at),
            duplicate=self.duplicate,
        )


@dataclass(frozen=True)
class _Statements:
    take: Any  # the row, unless the key is already there; returns its id
    settle: Any  # the row's action and detail once the effect is known
    held: Any  # what the first delivery under a key left


@functools.cache
def _statements(table: type[ReceivedChangeBase], dialect: str) -> _Statements:
    """Built once per table and engine: a notice's unit of work runs them with its own
    values (the columns come from the parameters), where building each statement anew,
    and the ORM's load and flush of the row, cost more than the database's own work."""
    t = table.__table__  # type: ignore[attr-defined]
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return _Statements(
        take=insert(t).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(t.c.id),
        settle=update(t).where(t.c.id == bindparam("row_id")),
        held=select(t.c.fingerprint, t.c.action, t.c.detail, t.c.received_at).where(
            t.c.idempotency_key == bindparam("key")
        ),
    )


def _as_utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands datetimes back naive; they were stored in UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def key_reused(key: str) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.ALREADY_EXISTS,
        "IDEMPOTENCY_KEY_REUSED",
        f"a different notice was already received under idempotency key {key!r}; "
        "a new change needs a new key",
        metadata={"idempotency_key": key},
    )


def receive(
    session: Session,
    table: type[ReceivedChangeBase],
    notice: CheckedNotice,
    caller: str,
    now: dt.datetime,
    apply: Callable[[Session], Effect],
) -> Receipt:
    """Record the notice and apply its effect once, inside the caller's unit of work."""
    at = now.astimezone(dt.UTC)
    connection = session.connection()
    statements = _statements(table, connection.dialect.name)
    inserted = connection.execute(
        statements.take,
        {
            "idempotency_key": notice.key,
            "fingerprint": notice.fingerprint,
            "case_id": notice.case_id,
            "kind": notice.kind_name,
            "effective_date": notice.effective_date,
            "notice": notice.raw,
            "caller": caller,
            "action": _PENDING,
            "detail": "",
            "received_at": at,
        },
    ).first()
    if inserted is None:
        held = connection.execute(statements.held, {"key": notice.key}).one()
        if held.fingerprint != notice.fingerprint:
            raise key_reused(notice.key)
        return Receipt(Effect(held.action, held.detail), _as_utc(held.received_at), True)
    effect = apply(session)
    # What the effect left in the session is written before the receipt says it was done.
    session.flush()
    connection.execute(
        statements.settle,
        {"row_id": inserted[0], "action": effect.action, "detail": effect.detail},
    )
    return Receipt(effect, at, False)
