"""Reads and writes of cases and everything stored with them."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Table, bindparam, delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, and_, col, or_, select

from services.orchestrator.adapters import outbox
from services.orchestrator.adapters.evidence_store import db_time
from services.orchestrator.adapters.tables import (
    BurdenRow,
    CaseEventRow,
    CaseRow,
    ConsentRow,
    DataMatchingIssueRow,
    DeterminationRow,
    EvidenceRow,
    LifeEventRow,
    OutboxRow,
)
from services.orchestrator.domain import consents
from services.orchestrator.domain import evidence as ev
from services.orchestrator.domain.consents import Grant
from shared.bulk_insert import insert_many


@dataclass
class StoredCase:
    case: CaseRow
    evidence: list[EvidenceRow]
    determinations: list[DeterminationRow]
    issues: list[DataMatchingIssueRow]
    consents: list[ConsentRow] = field(default_factory=list)
    burden: list[BurdenRow] = field(default_factory=list)
    events: list[CaseEventRow] = field(default_factory=list)
    # Answers for programs outside the case, assessed after a change to offer them; never
    # stored as the case's answers.
    assessed: list[DeterminationRow] = field(default_factory=list)
    # Change notices to agencies and their fate: read for showing; a new case's own are
    # inserted with it (save_new), later ones written by the outbox.
    notifications: list[OutboxRow] = field(default_factory=list)


# Case ids are issued here as 32 hexadecimal digits.
_CASE_ID = re.compile(r"[0-9a-f]{32}")


class DuplicateRequest(Exception):
    """Another submission with the same caller and request_id was stored first."""


@dataclass(frozen=True)
class RequestSeen:
    case_id: str
    opened_by: str
    request_fingerprint: str


def find_by_request_id(session: Session, opened_by: str, request_id: str) -> RequestSeen | None:
    """The case this opener's request_id already made, if any (a request_id is its
    sender's own: another's is never looked at). Asked by every submission before any
    work, nearly always of a new request_id, so a plain indexed probe, no ORM object."""
    row = (
        session.connection()
        .execute(_BY_REQUEST_ID, {"opened_by": opened_by, "request_id": request_id})
        .first()
    )
    return RequestSeen(row.case_id, row.opened_by, row.request_fingerprint) if row else None


_CASE = CaseRow.__table__  # type: ignore[attr-defined]
_BY_REQUEST_ID = select(_CASE.c.case_id, _CASE.c.opened_by, _CASE.c.request_fingerprint).where(
    _CASE.c.opened_by == bindparam("opened_by"), _CASE.c.request_id == bindparam("request_id")
)


def load(session: Session, case_id: str) -> StoredCase | None:
    case = session.get(CaseRow, case_id)
    if case is None:
        return None
    return StoredCase(
        case,
        list(
            session.exec(
                select(EvidenceRow).where(EvidenceRow.case_id == case_id).order_by(EvidenceRow.id)
            )
        ),
        list(
            session.exec(
                select(DeterminationRow)
                .where(DeterminationRow.case_id == case_id)
                .order_by(DeterminationRow.id)
            )
        ),
        list(
            session.exec(
                select(DataMatchingIssueRow)
                .where(DataMatchingIssueRow.case_id == case_id)
                .order_by(DataMatchingIssueRow.id)
            )
        ),
        events=list(
            session.exec(
                select(CaseEventRow)
                .where(CaseEventRow.case_id == case_id)
                .order_by(CaseEventRow.id)
            )
        ),
        notifications=outbox.for_case(session, case_id),
    )


def joined_days(session: Session, case_id: str) -> dict[str, dt.date]:
    """Each member a reported change brought into the case, with the change's day (the
    latest, should a person have joined twice)."""
    rows = session.exec(
        select(LifeEventRow.joined_person_id, LifeEventRow.effective_date)
        .where(LifeEventRow.case_id == case_id, LifeEventRow.joined_person_id != "")
        .order_by(col(LifeEventRow.id))
    )
    return {pid: day for pid, day in rows}


def save_new(session: Session, stored: StoredCase) -> None:
    """Insert a case and its rows in the caller's transaction.

    Raises DuplicateRequest when a concurrent submission by the same opener with the same
    request_id committed first; the caller then returns that case instead.
    """
    try:
        _insert(session, [stored.case])
    except IntegrityError as error:
        session.rollback()
        raise DuplicateRequest(stored.case.request_id) from error
    # A case brings a hundred or so rows; one executemany per table spares the ORM's
    # per-object bookkeeping, which dominated the time of a submission.
    for rows in (
        stored.evidence,
        stored.determinations,
        stored.issues,
        stored.consents,
        stored.burden,
        stored.events,
        stored.notifications,
    ):
        _insert(session, rows)


PENDING = "CASE_STATUS_PENDING_VERIFICATION"


def claim_pending(
    session: Session, worker: str, now: dt.datetime, lease: dt.timedelta, limit: int
) -> list[str]:
    """Claim up to ``limit`` pending cases no other worker holds, oldest update first.

    Each claim is a conditional update (taken only if still free when written), so two
    workers never hold one case, on SQLite as on PostgreSQL; PostgreSQL also skips rows
    another worker has locked (SKIP LOCKED) instead of waiting for them. A claim lapses
    after ``lease`` in case its worker died.

    ``now`` is lease time (the wall clock in a running service), never the service's own
    clock: a lease is about a live process, and a clock standing still (ELIG_CLOCK_FIXED_AT)
    would otherwise keep a dead worker's claim forever. A case still pending after a
    recheck is held unclaimed (no ``claimed_by``) until its next look, on the same time."""
    free = or_(col(CaseRow.claimed_until).is_(None), col(CaseRow.claimed_until) < now)
    query = (
        select(CaseRow.case_id)
        .where(CaseRow.status == PENDING)
        .where(free)
        .order_by(col(CaseRow.updated_at), col(CaseRow.case_id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for case_id in list(session.exec(query)):
        taken = session.execute(
            update(CaseRow)
            .where(col(CaseRow.case_id) == case_id, CaseRow.status == PENDING, free)
            .values(claimed_by=worker, claimed_until=now + lease)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(case_id)
    return claimed


def claim_past_due(
    session: Session,
    worker: str,
    today: dt.date,
    now: dt.datetime,
    lease: dt.timedelta,
    limit: int,
) -> list[str]:
    """Claim up to ``limit`` cases holding a data-matching issue whose inconsistency period
    ended before ``today`` (the service's date), as ``claim_pending`` claims: a conditional
    update, SKIP LOCKED on PostgreSQL, and a lease that lapses (``now`` is lease time). The
    claim columns are the follow-up's too, so a case is never rechecked and settled at once;
    but the follow-up's wait before its next look at a pending case (a hold with no worker
    named) does not hold back a settlement that fell due."""
    free = or_(
        col(CaseRow.claimed_until).is_(None),
        col(CaseRow.claimed_until) < now,
        CaseRow.claimed_by == "",
    )
    overdue = (
        select(DataMatchingIssueRow.case_id)
        .where(col(DataMatchingIssueRow.due_date) < today)
        .distinct()
    )
    query = (
        select(CaseRow.case_id)
        .where(col(CaseRow.case_id).in_(overdue))
        .where(free)
        .order_by(col(CaseRow.updated_at), col(CaseRow.case_id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=CaseRow)  # type: ignore[arg-type]
    claimed = []
    for case_id in list(session.exec(query)):
        taken = session.execute(
            update(CaseRow)
            .where(col(CaseRow.case_id) == case_id, free)
            .values(claimed_by=worker, claimed_until=now + lease)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(case_id)
    return claimed


def release_claim(session: Session, case_id: str, worker: str) -> None:
    """Give a claimed case back untouched (nothing was due after all)."""
    session.execute(
        update(CaseRow)
        .where(col(CaseRow.case_id) == case_id, CaseRow.claimed_by == worker)
        .values(claimed_by="", claimed_until=None)
    )


class CaseMoved(Exception):
    """The case's plan year changed while it was being determined again (a concurrent
    renewal got there first)."""


def save_recheck(
    session: Session,
    case_id: str,
    fresh: StoredCase,
    events: list[CaseEventRow],
    next_look: dt.datetime | None,
    was_plan_year: int,
    was_household: bytes,
    *,
    replace_household: bool = False,
) -> None:
    """Replace a case's determinations and open issues with ``fresh`` ones, keep every
    evidence row (old and new), add ``fresh``'s burden lines, record the steps, and release
    the claim: a case still pending is not looked at again before ``next_look``.

    Written only if the case is still for ``was_plan_year`` and still holds
    ``was_household``, the household the answer was worked out from (else CaseMoved, and
    nothing is written): a recheck or a renewal that read the case before a reported
    change landed must not put answers for the old household over the change's. With
    ``replace_household`` (a reported change, or a settlement that put the data's income
    in it), the household is replaced by fresh's too."""
    query = update(CaseRow).where(
        col(CaseRow.case_id) == case_id,
        CaseRow.plan_year == was_plan_year,
        col(CaseRow.household) == was_household,
    )
    values: dict[str, object] = {
        "status": fresh.case.status,
        "plan_year": fresh.case.plan_year,
        "updated_at": fresh.case.updated_at,
        "claimed_by": "",
        "claimed_until": next_look,
    }
    if replace_household:
        values["household"] = fresh.case.household
    moved = session.execute(query.values(**values))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise CaseMoved(case_id)
    for table in (DeterminationRow, DataMatchingIssueRow):
        session.execute(delete(table).where(col(table.case_id) == case_id))
    for rows in (fresh.evidence, fresh.determinations, fresh.issues, fresh.burden, events):
        _insert(session, rows)


def insert_rows(session: Session, rows: Iterable[SQLModel]) -> None:
    """Insert rows of one table in the caller's transaction, in one statement; for rows built
    by mapping (no ORM state), which a session cannot ``add``."""
    _insert(session, list(rows))


def _insert(session: Session, rows: list[SQLModel]) -> None:
    """Rows of one table in one executemany, on the session's connection: no ORM unit of
    work (see shared.bulk_insert). Values are read from each row's own dictionary."""
    if rows:
        table = type(rows[0]).__table__  # type: ignore[attr-defined]
        columns = _stored_columns(table, rows[0].__dict__.get("id") is None)
        insert_many(session.connection(), table, [row.__dict__ for row in rows], columns)


@functools.cache
def _stored_columns(table: Table, id_by_database: bool) -> tuple[str, ...]:
    # An autoincrement key left unset is the database's to give.
    return tuple(c.name for c in table.columns if not (id_by_database and c.name == "id"))


def encode_page_token(case: CaseRow) -> str:
    raw = json.dumps([case.created_at.isoformat(), case.case_id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_page_token(token: str) -> tuple[dt.datetime, str]:
    """Raises ValueError for a token this service did not issue. Issued tokens hold a
    UTC time and a case id; a time without a zone could not be compared with the stored
    ones, and an id the case table could not hold matches nothing."""
    try:
        created, case_id = json.loads(base64.urlsafe_b64decode(token.encode()))
        after = dt.datetime.fromisoformat(created)
    except Exception as error:  # any malformed token is the caller's error
        raise ValueError("page_token is not one this service issued") from error
    if after.tzinfo is None or not isinstance(case_id, str) or not _CASE_ID.fullmatch(case_id):
        raise ValueError("page_token is not one this service issued")
    return after, case_id


# The fact SSA's answer about a person is recorded under (domain/identity.py).
IDENTITY_MATCH_FACT = "identity.ssn_match"


def people_in_cases_of(session: Session, caseworker: str, subject_refs: Iterable[str]) -> set[str]:
    """Which of these people are in a case ``caseworker`` opened, as SSA matched them
    there. Typing an SSN into an application is not enough: a case with a stranger's SSN
    under a made-up name would otherwise open that stranger's consents, disclosures and
    known facts to whoever filed it."""
    refs = list(set(subject_refs))
    if not caseworker or not refs:
        return set()
    query = (
        select(EvidenceRow.subject_ref)
        .join(CaseRow, col(CaseRow.case_id) == col(EvidenceRow.case_id))
        .where(
            CaseRow.opened_by == caseworker,
            col(EvidenceRow.subject_ref).in_(refs),
            EvidenceRow.fact == IDENTITY_MATCH_FACT,
            EvidenceRow.status == ev.VERIFIED,
        )
        .distinct()
    )
    return set(session.exec(query))


def list_page(
    session: Session,
    page_size: int,
    after: tuple[dt.datetime, str] | None,
    opened_by: str | None = None,
) -> tuple[list[CaseRow], bool]:
    """Newest first, keyset-paginated on (created_at, case_id); returns (rows, more).
    ``opened_by`` keeps only the cases that caseworker opened."""
    query = select(CaseRow).order_by(col(CaseRow.created_at).desc(), col(CaseRow.case_id).desc())
    if opened_by is not None:
        query = query.where(CaseRow.opened_by == opened_by)
    if after is not None:
        created, case_id = after
        query = query.where(
            or_(
                CaseRow.created_at < created,
                and_(CaseRow.created_at == created, CaseRow.case_id < case_id),
            )
        )
    rows = list(session.exec(query.limit(page_size + 1)))
    return rows[:page_size], len(rows) > page_size


def consents_in_force(session: Session, subject_refs: list[str], now: dt.datetime) -> list[Grant]:
    # The columns a grant needs, not whole rows, by a statement built once: this runs on
    # every application.
    rows = session.connection().execute(
        _IN_FORCE, {"refs": list(subject_refs), "now": db_time(now)}
    )
    return [consents.grant_from(r) for r in rows]


_CONSENT = ConsentRow.__table__  # type: ignore[attr-defined]
_IN_FORCE = (
    select(
        _CONSENT.c.consent_id,
        _CONSENT.c.subject_ref,
        _CONSENT.c.agencies,
        _CONSENT.c.facts,
        _CONSENT.c.expires_at,
    )
    .where(_CONSENT.c.subject_ref.in_(bindparam("refs", expanding=True)))
    .where(_CONSENT.c.revoked_at.is_(None))
    .where(_CONSENT.c.expires_at > bindparam("now", type_=_CONSENT.c.expires_at.type))
)


def consents_revoked_among(session: Session, consent_ids: list[str]) -> set[str]:
    """Which of these stored consents have been revoked since they were read."""
    if not consent_ids:
        return set()
    rows = session.exec(
        select(ConsentRow.consent_id)
        .where(col(ConsentRow.consent_id).in_(consent_ids))
        .where(col(ConsentRow.revoked_at).is_not(None))
    )
    return set(rows)


def revoke_consent(
    session: Session, consent_id: str, reason: str, now: dt.datetime
) -> ConsentRow | None:
    """Idempotent: revoking a revoked consent keeps the first revocation."""
    row = session.get(ConsentRow, consent_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = db_time(now)
        row.revoke_reason = reason
        session.add(row)
    return row


def consents_for_subject(session: Session, subject_ref: str) -> list[ConsentRow]:
    return list(
        session.exec(
            select(ConsentRow)
            .where(ConsentRow.subject_ref == subject_ref)
            .order_by(col(ConsentRow.granted_at).desc())
        )
    )


def hold_case_status(session: Session, case_id: str) -> str | None:
    """The case's status, with the case row locked until the transaction ends (PostgreSQL;
    SQLite has one writer anyway). Every writer of a case's history holds this lock (a
    redetermination updates the row), so a case's events get their ids in commit order and
    a watcher reading after the last id it saw misses none."""
    query = select(CaseRow.status).where(CaseRow.case_id == case_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query).first()


def add_event(session: Session, event: CaseEventRow) -> None:
    session.add(event)


def events_after(session: Session, case_id: str, after: int, limit: int) -> list[CaseEventRow]:
    """A case's events with an id above ``after``, oldest first."""
    return list(
        session.exec(
            select(CaseEventRow)
            .where(CaseEventRow.case_id == case_id, col(CaseEventRow.id) > after)
            .order_by(col(CaseEventRow.id))
            .limit(limit)
        )
    )
