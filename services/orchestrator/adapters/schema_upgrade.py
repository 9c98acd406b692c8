"""Bring a database made by an earlier version up to today's tables, in place.

``create_all`` makes missing tables but never alters an existing one, so each column
added since the first release is added here when it is missing (shared.added_columns),
and each key once unique across callers is made unique per caller (unique_per_caller).
Until the project adopts migrations (Alembic), this list is the record of schema changes.
"""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from services.orchestrator.adapters.tables import CaseRow, LifeEventRow
from services.orchestrator.adapters.unique_per_caller import make_unique_per_caller
from shared.added_columns import AddedColumn, add_missing
from shared.db import take_schema_turn

# (table, column, its DDL, indexed): cases opened before caseworkers were proven have no
# opener, so only supervisors and auditors see them.
ADDED_COLUMNS: list[AddedColumn] = [
    ("orchestrator_case", "opened_by", "VARCHAR(64) NOT NULL DEFAULT ''", True),
    # Follow-up workers' claims on pending cases.
    ("orchestrator_case", "claimed_by", "VARCHAR(64) NOT NULL DEFAULT ''", False),
    # As SQLModel makes a datetime column: WITH TIME ZONE on PostgreSQL (SQLite takes it as is).
    ("orchestrator_case", "claimed_until", "TIMESTAMP WITH TIME ZONE", False),
    # Programs offered after a reported change.
    ("orchestrator_case", "offered_programs", "VARCHAR(200) NOT NULL DEFAULT ''", False),
    # Agencies' answers to change notices point at their outbox row.
    ("orchestrator_case_event", "notice_id", "INTEGER", False),
    # The revision of the case's last decision told to agencies (outbox.next_revision).
    ("orchestrator_case", "notice_revision", "INTEGER NOT NULL DEFAULT 0", False),
    # Who a reported change brought into the household, for their premium's rating day.
    # Changes reported before it have none: their members are rated from the case's start.
    ("orchestrator_life_event", "joined_person_id", "VARCHAR(64) NOT NULL DEFAULT ''", False),
]

# Indexes earlier versions made that no query reads: each cost a write per row. The
# evidence index on (subject_ref, fact, id) serves lookups by subject_ref alone.
DROPPED_INDEXES = [
    ("orchestrator_evidence", "ix_orchestrator_evidence_subject_ref"),
    ("orchestrator_evidence", "ix_orchestrator_evidence_fact"),
]

# request_ids unique across every caller in earlier versions, unique per caller now: each
# table declares its unique index on (caller, request_id) (tables.py).
PER_CALLER = [
    (CaseRow.__table__, "request_id"),  # type: ignore[attr-defined]
    (LifeEventRow.__table__, "request_id"),  # type: ignore[attr-defined]
]


def upgrade(engine: Engine) -> list[str]:
    """Add whichever columns are missing, drop unread indexes and make request_ids unique
    per caller, in one transaction; returns what changed: columns added, as table.column,
    indexes and constraints dropped or made, by name."""
    changed = []
    with engine.begin() as connection:
        # One transaction, one process at a time: a table being rebuilt (unique_per_caller)
        # is never left half done, and a second worker finds the work done.
        take_schema_turn(connection)
        inspector = inspect(connection)
        for table, index in DROPPED_INDEXES:
            if index in {i["name"] for i in inspector.get_indexes(table)}:
                connection.execute(text(f"DROP INDEX {index}"))
                changed.append(index)
        changed += add_missing(connection, ADDED_COLUMNS)
        # After the columns: the opener's column is one of those added.
        for table, column in PER_CALLER:
            changed += make_unique_per_caller(connection, table, column)
    return changed
