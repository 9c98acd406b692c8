"""USDA's SNAP allotments of record: what a change notice's household answer leaves."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from eligibility.common.v1 import determination_pb2 as det
from services.usda.changes import SnapStanding, effect_for
from services.usda.tables import SnapAllotment
from shared.change_effect import Effect
from shared.change_notice import CheckedNotice


def standing_of(notice: CheckedNotice) -> SnapStanding | None:
    """The notice's SNAP household answer; the last one when it carries several."""
    snap = [a for a in notice.notice.household_determinations if a.program == det.PROGRAM_SNAP]
    if not snap:
        return None
    answer = snap[-1]
    return SnapStanding(
        det.DeterminationStatus.Name(answer.status).removeprefix("DETERMINATION_STATUS_"),
        answer.monthly_benefit_cents,
    )


def _not_newer(held: Any, incoming: Any) -> Any:
    """What is held, ordered as shared.decision_order.supersedes orders it, is not newer
    than what comes in: a lower revision, or the same one and not a later effective date."""
    return or_(
        held.revision < incoming.revision,
        and_(
            held.revision == incoming.revision,
            held.effective_date <= incoming.effective_date,
        ),
    )


_COLUMNS = ("status", "monthly_allotment_cents", "effective_date", "idempotency_key", "revision")


@functools.cache
def _upsert(dialect: str) -> Any:
    """Built once per engine (the values come as parameters): building it for each
    notice cost more than the database's work on it."""
    table = SnapAllotment.__table__  # type: ignore[attr-defined]
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.case_id],
        set_={name: statement.excluded[name] for name in _COLUMNS},
        where=_not_newer(table.c, statement.excluded),
    ).returning(table.c.case_id)


def apply_change(session: Session, notice: CheckedNotice) -> Effect:
    """Write the allotment in one statement. Two notices of one case can arrive at once
    (their keys differ, so the receipt lets both through); a read-then-insert would let
    both see no row and the second insert fail on the case's key. The upsert instead
    waits on the key (PostgreSQL) or the single writer (SQLite), and its WHERE keeps the
    answer of the orchestrator's newest decision (shared.decision_order, here in SQL),
    whichever commits first."""
    standing = standing_of(notice)
    if standing is None:
        return effect_for(None, False)
    connection = session.connection()
    written = connection.execute(
        _upsert(connection.dialect.name),
        {
            "case_id": notice.case_id,
            "status": standing.status,
            "monthly_allotment_cents": standing.monthly_allotment_cents,
            "effective_date": notice.effective_date,
            "idempotency_key": notice.key,
            "revision": notice.revision,
        },
    ).first()
    return effect_for(standing, written is not None)
