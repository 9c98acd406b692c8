"""An append-only, hash-chained audit log that any service keeps in its own database.

Each entry records one disclosure of personal data, or one refused or failed request
for it: who asked, about whom, which facts, for which case and purpose, the outcome
and when. A service that sends personal data to another records the request as
REQUESTED before sending it, so a crash between the send and the outcome cannot leave
a disclosure with no trace. Its ``hash`` is SHA-256 over a canonical JSON form of the entry, which
includes the hash of the entry before it, so altering, deleting or reordering entries
breaks the chain where it happened. A one-row head table holds the last seq and hash,
so cutting entries off the end is caught too. (Someone able to rewrite the whole table
and the head can still forge a consistent chain; publishing the head hash elsewhere
now and then is the remedy, and ``head()`` is there for that.)

People are named by a keyed subject reference, never by SSN: ``audit_subject_ref``
is the consent module's HMAC with its own domain prefix.

Appends are serialised per log by the statement that reads the head, which writes it
too: on PostgreSQL it takes the head row's lock (an insert that meets a concurrent
first insert of the head waits for it, then locks the row), on SQLite the database's
single writer lock. Either is held until the transaction ends.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import re
import threading
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, col, select

from shared.bulk_insert import insert_at_once, insert_many
from shared.subject_refs import subject_reference

AUDIT_SUBJECT_DOMAIN = "elig-audit-subject-v1"
AUDIT_PERSON_DOMAIN = "elig-audit-person-v1"
GENESIS_HASH = "0" * 64
HASH_VERSION = 1
_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Entries written by one statement at most: each takes 12 of PostgreSQL's 65,535 parameters.
_AT_ONCE_AT_MOST = 1000


class Outcome(enum.StrEnum):
    # About to be sent; the outcome follows in a later entry, unless the sender crashed.
    REQUESTED = "REQUESTED"
    DISCLOSED = "DISCLOSED"
    REFUSED = "REFUSED"
    FAILED = "FAILED"
    # Personal data this service was told (a change notice, a death report), not released.
    RECEIVED = "RECEIVED"


class Problem(enum.StrEnum):
    ALTERED = "ALTERED"
    MISSING = "MISSING"
    REORDERED = "REORDERED"
    INSERTED = "INSERTED"


def audit_subject_ref(key: bytes, ssn: str) -> str:
    return subject_reference(key, ssn, domain=AUDIT_SUBJECT_DOMAIN)


def audit_person_ref(key: bytes, case_id: str, person_id: str) -> str:
    """A person an agency knows only by person id (HHS and USDA are sent no SSNs). A
    person id names someone within one case, and may be a given name, so the reference
    is keyed over both, in a domain of its own: it never equals an SSN's reference."""
    return subject_reference(key, f"{case_id}\x00{person_id}", domain=AUDIT_PERSON_DOMAIN)


class AuditEntryBase(SQLModel):
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    # Stored and read back in UTC on both engines.
    recorded_at: dt.datetime
    actor_service: str
    actor_caseworker: str = ""
    subject_ref: str = Field(index=True)
    # JSON list of fact names, sorted.
    facts: str
    case_id: str = Field(default="", index=True)
    purpose: str
    outcome: str = Field(max_length=16)
    # Free text for people; never personal data.
    detail: str = ""
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)

    def fact_names(self) -> list[str]:
        return list(json.loads(self.facts))


class AuditHeadBase(SQLModel):
    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int
    hash: str = Field(max_length=64)


def entry_hash(entry: AuditEntryBase) -> str:
    """SHA-256 of the canonical form: sorted-key compact JSON, times in UTC to the microsecond."""
    return _hash_of(
        entry.seq,
        entry.recorded_at,
        entry.actor_service,
        entry.actor_caseworker,
        entry.subject_ref,
        json.loads(entry.facts),
        entry.case_id,
        entry.purpose,
        entry.outcome,
        entry.detail,
        entry.prev_hash,
    )


def _hash_of(
    seq: int,
    recorded_at: dt.datetime,
    actor_service: str,
    actor_caseworker: str,
    subject_ref: str,
    facts: list[str],
    case_id: str,
    purpose: str,
    outcome: str,
    detail: str,
    prev_hash: str,
) -> str:
    canonical = {
        "v": HASH_VERSION,
        "seq": seq,
        "recorded_at": _utc_naive(recorded_at).isoformat(timespec="microseconds"),
        "actor_service": actor_service,
        "actor_caseworker": actor_caseworker,
        "subject_ref": subject_ref,
        "facts": facts,
        "case_id": case_id,
        "purpose": purpose,
        "outcome": outcome,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    bad_seq: int | None = None
    problem: Problem | None = None
    message: str = "the chain is intact"


@dataclass(frozen=True)
class AuditRecord:
    """One entry to append, before the chain gives it a position and a hash."""

    at: dt.datetime
    actor_service: str
    subject_ref: str
    facts: tuple[str, ...]
    purpose: str
    outcome: Outcome
    case_id: str = ""
    actor_caseworker: str = ""
    detail: str = ""


class AuditLog:
    """One service's audit log: tables ``<prefix>_audit_log`` and ``<prefix>_audit_head``.

    Build it with ``audit_log(prefix)``, so a prefix defines its tables once per process.
    """

    def __init__(self, prefix: str) -> None:
        if not _PREFIX.match(prefix):
            raise ValueError(f"audit prefix {prefix!r} must be lower-case letters, digits, _")
        self.prefix = prefix
        self.entry = _table_class(f"{prefix}_audit_log", AuditEntryBase)
        self.head_table = _table_class(f"{prefix}_audit_head", AuditHeadBase)
        entries, head = self.entry.__table__, self.head_table.__table__
        self._entries = entries
        self._move_head = (
            update(head)
            .where(head.c.id == 1)
            .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
        )
        # Driver SQL (psycopg's placeholders); the prefix rule leaves no name to quote.
        self._move_head_pg = (
            f"WITH moved AS (UPDATE {head.name} SET seq = %s, hash = %s WHERE id = 1)"
        )
        # The head, created empty if the log is new, read by a statement that writes it:
        # the write takes SQLite's writer lock (and PostgreSQL's row lock) before the read.
        self._take_head = {
            name: dialect_insert(head)
            .values(id=1, seq=0, hash=GENESIS_HASH)
            .on_conflict_do_update(index_elements=["id"], set_={"seq": head.c.seq})
            .returning(head.c.seq, head.c.hash)
            for name, dialect_insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
        }

    @property
    def tables(self) -> list[type[SQLModel]]:
        """For the service's TABLES list."""
        return [self.entry, self.head_table]

    def append(
        self,
        session: Session,
        *,
        at: dt.datetime,
        actor_service: str,
        subject_ref: str,
        facts: Iterable[str],
        purpose: str,
        outcome: Outcome,
        case_id: str = "",
        actor_caseworker: str = "",
        detail: str = "",
    ) -> Any:
        """Add one entry at the end of the chain, within the caller's transaction.

        The lock is held until that transaction ends, so keep it short after this call.
        """
        if at.tzinfo is None:
            raise ValueError("audit times must be timezone-aware")
        if not (actor_service and subject_ref and purpose):
            raise ValueError("actor_service, subject_ref and purpose are required")
        return self.append_many(
            session,
            [
                AuditRecord(
                    at=at,
                    actor_service=actor_service,
                    subject_ref=subject_ref,
                    facts=tuple(facts),
                    purpose=purpose,
                    outcome=outcome,
                    case_id=case_id,
                    actor_caseworker=actor_caseworker,
                    detail=detail,
                )
            ],
        )[0]

    def append_many(self, session: Session, records: Sequence[AuditRecord]) -> list[Any]:
        """Add entries at the end of the chain in order, taking the lock once."""
        rows = self._write(session, records)
        return [self.entry.model_construct(**row) for row in rows]

    def record_many(self, session: Session, records: Sequence[AuditRecord]) -> None:
        """``append_many`` for a caller that does not want the entries back."""
        self._write(session, records)

    def _write(self, session: Session, records: Sequence[AuditRecord]) -> list[dict[str, Any]]:
        if not records:
            return []
        for record in records:
            if record.at.tzinfo is None:
                raise ValueError("audit times must be timezone-aware")
            if not (record.actor_service and record.subject_ref and record.purpose):
                raise ValueError("actor_service, subject_ref and purpose are required")
        connection = session.connection()
        seq, prev_hash = self._lock_head(session)
        rows = []
        for record in records:
            seq += 1
            facts = sorted(set(record.facts))
            at = record.at.astimezone(dt.UTC)
            outcome = Outcome(record.outcome).value
            row = {
                "seq": seq,
                "recorded_at": at,
                "actor_service": record.actor_service,
                "actor_caseworker": record.actor_caseworker,
                "subject_ref": record.subject_ref,
                "facts": json.dumps(facts),
                "case_id": record.case_id,
                "purpose": record.purpose,
                "outcome": outcome,
                "detail": record.detail,
                "prev_hash": prev_hash,
            }
            row["hash"] = prev_hash = _hash_of(
                seq,
                at,
                record.actor_service,
                record.actor_caseworker,
                record.subject_ref,
                facts,
                record.case_id,
                record.purpose,
                outcome,
                record.detail,
                row["prev_hash"],
            )
            rows.append(row)
        # Through the driver (shared.bulk_insert), on the session's connection: appends sit
        # on every application's path, inside the writer's turn, where the ORM's and the
        # statement builder's work showed up in profiles.
        if connection.dialect.name == "postgresql" and len(rows) <= _AT_ONCE_AT_MOST:
            # The head moves in the entries' own statement: one round trip, not two.
            move = (seq, prev_hash)
            insert_at_once(connection, self._entries, rows, self._move_head_pg, move)
        else:
            insert_many(connection, self._entries, rows)
            connection.execute(self._move_head, {"new_seq": seq, "new_hash": prev_hash})
        return rows

    def head(self, session: Session) -> tuple[int, str]:
        """The last seq and its hash (0 and the genesis hash for an empty log)."""
        row = session.execute(
            select(self.head_table.seq, self.head_table.hash).where(self.head_table.id == 1)
        ).first()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)

    def entries_for_subject(self, session: Session, subject_ref: str) -> list[Any]:
        """Every entry about one person, oldest first: the basis of a disclosure report."""
        entry = self.entry
        return list(
            session.exec(
                select(entry).where(entry.subject_ref == subject_ref).order_by(col(entry.seq))
            ).all()
        )

    def verify(self, session: Session) -> VerifyResult:
        """Walk the chain and name the first entry that is altered, missing or out of place.

        It takes the append lock, so the head and the entries it reads agree.
        """
        last_seq, last_hash = self._lock_head(session)
        rows = list(session.exec(select(self.entry).order_by(col(self.entry.seq))).all())
        later_hash_seq = {row.hash: row.seq for row in rows}
        prev, expected = GENESIS_HASH, 1
        for row in rows:
            if row.seq > last_seq:
                return _bad(expected - 1, row.seq, Problem.INSERTED, "is past the chain's head")
            if row.seq < expected:
                return _bad(expected - 1, row.seq, Problem.INSERTED, "is outside the chain")
            if row.seq > expected:
                return _bad(expected - 1, expected, Problem.MISSING, "has been deleted")
            if row.prev_hash != prev and later_hash_seq.get(row.prev_hash, 0) > row.seq:
                moved = later_hash_seq[row.prev_hash]
                return _bad(
                    expected - 1,
                    row.seq,
                    Problem.REORDERED,
                    f"is out of order: it was written after the entry now at {moved}",
                )
            if entry_hash(row) != row.hash:
                return _bad(expected - 1, row.seq, Problem.ALTERED, "differs from what was hashed")
            if row.prev_hash != prev and row.seq == 1:
                return _bad(0, 1, Problem.ALTERED, "does not start from the genesis hash")
            if row.prev_hash != prev:
                return _bad(
                    expected - 1,
                    row.seq - 1,
                    Problem.ALTERED,
                    f"was rewritten: entry {row.seq} recorded another hash for it",
                )
            prev, expected = row.hash, expected + 1
        if expected - 1 < last_seq:
            return _bad(expected - 1, expected, Problem.MISSING, "has been cut off the end")
        if prev != last_hash:
            return _bad(expected - 1, last_seq, Problem.ALTERED, "does not match the head hash")
        return VerifyResult(ok=True, entries=expected - 1)

    def _lock_head(self, session: Session) -> tuple[int, str]:
        # No lock of its own (an advisory lock was one more round trip per append): the
        # head's upsert locks the head row until the transaction ends (see above).
        connection = session.connection()
        seq, hash_ = connection.execute(self._take_head[connection.dialect.name]).one()
        return seq, hash_


def _bad(checked: int, seq: int, problem: Problem, what: str) -> VerifyResult:
    return VerifyResult(False, checked, seq, problem, f"entry {seq} {what}")


def _utc_naive(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _table_class(table_name: str, base: type[SQLModel]) -> Any:
    name = "".join(part.title() for part in table_name.split("_"))
    return types.new_class(
        name, (base,), {"table": True}, lambda ns: ns.update(__tablename__=table_name)
    )


_LOGS: dict[str, AuditLog] = {}
_LOGS_LOCK = threading.Lock()


def audit_log(prefix: str) -> AuditLog:
    """The audit log of one service; the same object every time for one prefix
    (SQLAlchemy allows a table to be defined only once per process)."""
    with _LOGS_LOCK:
        if prefix not in _LOGS:
            _LOGS[prefix] = AuditLog(prefix)
        return _LOGS[prefix]
