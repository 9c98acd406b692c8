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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from sqlalchemy import LargeBinary
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, select

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


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


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
    inserted = session.execute(
        _insert(session)(table)
        .values(
            idempotency_key=notice.key,
            fingerprint=notice.fingerprint,
            case_id=notice.case_id,
            kind=notice.kind_name,
            effective_date=notice.effective_date,
            notice=notice.raw,
            caller=caller,
            action=_PENDING,
            detail="",
            received_at=at,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.id)  # type: ignore[arg-type]
    ).first()
    if inserted is None:
        row = session.exec(select(table).where(table.idempotency_key == notice.key)).one()
        if row.fingerprint != notice.fingerprint:
            raise key_reused(notice.key)
        return Receipt(Effect(row.action, row.detail), _as_utc(row.received_at), True)
    effect = apply(session)
    row = session.get(table, inserted[0])
    assert row is not None  # inserted just now, in this transaction
    row.action, row.detail = effect.action, effect.detail
    session.add(row)
    session.flush()
    return Receipt(effect, at, False)
