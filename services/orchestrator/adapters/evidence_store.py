"""The evidence store's reads: facts about a person that are still fresh, from any case."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, bindparam, union_all
from sqlmodel import Session, col, select

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
    pairs = [(ref, name) for ref in sorted(set(subject_refs)) for name in sorted(set(facts))]
    wanted = sorted(set(statuses))
    if not pairs or not wanted:
        return {}
    params: dict[str, object] = {f"s{k}": status for k, status in enumerate(wanted)}
    for i, (ref, name) in enumerate(pairs):
        params[f"r{i}"], params[f"f{i}"] = ref, name
    if now is not None:
        params["now"] = db_time(now)
    statement = _newest(len(pairs), len(wanted), now is not None)
    rows = session.execute(statement, params).scalars()
    return {(row.subject_ref, row.fact): row for row in rows}


def _fresh_rows(
    session: Session,
    subject_refs: Iterable[str],
    facts: Iterable[str],
    now: dt.datetime,
    statuses: Iterable[str],
) -> list[Any]:
    """``fresh_facts``'s rows as plain rows, on the session's connection: no ORM objects,
    and no ORM statement processing, which regenerated the statement's cache key (a walk
    over every bound parameter) at each call."""
    pairs = [(ref, name) for ref in sorted(set(subject_refs)) for name in sorted(set(facts))]
    wanted = sorted(set(statuses))
    if not pairs or not wanted:
        return []
    params: dict[str, object] = {f"s{k}": status for k, status in enumerate(wanted)}
    for i, (ref, name) in enumerate(pairs):
        params[f"r{i}"], params[f"f{i}"] = ref, name
    params["now"] = db_time(now)
    statement = _newest_plain(len(pairs), len(wanted))
    return list(session.connection().execute(statement, params))


@functools.lru_cache(maxsize=128)
def _newest(pairs: int, statuses: int, dated: bool) -> Select[tuple[EvidenceRow]]:
    """One probe per (person, fact), each walking the (subject_ref, fact, id) index from the
    newest row and stopping at the first that qualifies: the cost does not grow with the
    person's history, as a max() over every earlier row's would. Built once per shape,
    with the values bound at each call."""
    table = EvidenceRow.__table__  # type: ignore[attr-defined]
    probes = []
    for i in range(pairs):
        probe = select(table.c.id).where(
            table.c.subject_ref == bindparam(f"r{i}"),
            table.c.fact == bindparam(f"f{i}"),
            table.c.status.in_([bindparam(f"s{k}") for k in range(statuses)]),
        )
        if dated:
            probe = probe.where(
                table.c.valid_until > bindparam("now", type_=table.c.valid_until.type)
            )
        probes.append(probe.order_by(table.c.id.desc()).limit(1).subquery(f"p{i}"))
    newest = union_all(*(select(p.c.id) for p in probes)).subquery("newest")
    return select(EvidenceRow).where(col(EvidenceRow.id).in_(select(newest.c.id)))


@functools.lru_cache(maxsize=128)
def _newest_plain(pairs: int, statuses: int) -> Select[Any]:
    table = EvidenceRow.__table__  # type: ignore[attr-defined]
    newest = _newest(pairs, statuses, True).whereclause
    return select(table).where(newest)


def is_fresh(row: EvidenceRow, now: dt.datetime) -> bool:
    return still_fresh(row.valid_until, now)


def original_id(row: Any) -> str:
    """A reused fact points at where it was first recorded, never at another copy."""
    return row.reused_from or row.evidence_id


def as_fact(row: Any, person_id: str = "") -> Fact:
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
    rows = _fresh_rows(session, subject_refs, facts, now, statuses)
    return {(row.subject_ref, row.fact): as_fact(row) for row in rows}


def people_refs(session: Session, case_ids: Iterable[str]) -> dict[tuple[str, str], str]:
    """(case, person) -> the person's keyed reference, from the facts verified about them in
    those cases: who a notice naming people only by person_id is about."""
    wanted = sorted(set(case_ids))
    if not wanted:
        return {}
    query = (
        select(EvidenceRow.case_id, EvidenceRow.person_id, EvidenceRow.subject_ref)
        .where(col(EvidenceRow.case_id).in_(wanted), EvidenceRow.subject_ref != "")
        .distinct()
    )
    return {(case_id, person_id): ref for case_id, person_id, ref in session.exec(query)}
