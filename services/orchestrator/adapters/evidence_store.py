"""The evidence store's reads: facts about a person that are still fresh, from any case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlmodel import Session, col, func, select

from services.orchestrator.adapters.tables import EvidenceRow
from services.orchestrator.domain.evidence import Fact, still_fresh


def db_time(value: dt.datetime) -> dt.datetime:
    """Times are stored timezone-aware, in UTC (SQLModel's UTCDateTime on both engines)."""
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def fresh_facts(
    session: Session,
    subject_refs: Iterable[str],
    facts: Iterable[str],
    now: dt.datetime | None,
    statuses: Iterable[str],
) -> dict[tuple[str, str], EvidenceRow]:
    """The newest row per (subject_ref, fact) still valid at ``now`` with one of ``statuses``;
    with ``now`` None, the newest row however old (to ask again what has gone stale)."""
    refs, names = list(set(subject_refs)), list(set(facts))
    if not refs or not names:
        return {}
    # Only the newest qualifying row per (person, fact) is read, however long the
    # person's history: rows are appended, so the highest id is the newest.
    newest = (
        select(func.max(EvidenceRow.id))
        .where(col(EvidenceRow.subject_ref).in_(refs))
        .where(col(EvidenceRow.fact).in_(names))
        .where(col(EvidenceRow.status).in_(list(statuses)))
        .group_by(EvidenceRow.subject_ref, EvidenceRow.fact)
    )
    if now is not None:
        newest = newest.where(col(EvidenceRow.valid_until) > db_time(now))
    rows = session.exec(select(EvidenceRow).where(col(EvidenceRow.id).in_(newest)))
    return {(row.subject_ref, row.fact): row for row in rows}


def is_fresh(row: EvidenceRow, now: dt.datetime) -> bool:
    return still_fresh(row.valid_until, now)


def original_id(row: EvidenceRow) -> str:
    """A reused fact points at where it was first recorded, never at another copy."""
    return row.reused_from or row.evidence_id


def as_fact(row: EvidenceRow, person_id: str = "") -> Fact:
    """A stored row as the domain's fact, pointing at where it was first recorded."""

    def utc(value: dt.datetime | None) -> dt.datetime | None:
        return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value

    return Fact(
        person_id=person_id,
        fact=row.fact,
        value=row.value,
        status=row.status,
        source=row.source,
        method=row.method,
        obtained_at=utc(row.obtained_at),  # type: ignore[arg-type]
        valid_until=utc(row.valid_until),
        consent_id=row.consent_id,
        subject_ref=row.subject_ref,
        basis=row.basis,
        reused_from=original_id(row),
    )


def fresh_as_facts(
    session: Session,
    subject_refs: Iterable[str],
    facts: Iterable[str],
    now: dt.datetime,
    statuses: Iterable[str],
) -> dict[tuple[str, str], Fact]:
    """``fresh_facts`` as the domain's facts, not yet tied to a member of an application."""
    rows = fresh_facts(session, subject_refs, facts, now, statuses)
    return {key: as_fact(row) for key, row in rows.items()}
