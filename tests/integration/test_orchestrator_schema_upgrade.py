"""A database from the first release starts, keeps its cases, gains every column added
since (the case's opener, follow-up claims) and loses the indexes no query reads; opening
it again changes nothing."""

from __future__ import annotations

from sqlalchemy import inspect, text

from services.orchestrator.adapters import schema_upgrade
from services.orchestrator.server import open_database
from shared.db import make_engine


def test_an_earlier_database_gains_the_opener_column_and_keeps_its_cases(database_url) -> None:  # type: ignore[no-untyped-def]
    db = open_database(database_url)
    with db.engine.begin() as connection:
        # As the first release made the table: request_ids unique on their own (the
        # index on the opener's column and the request_id came later), without any
        # column added since.
        connection.execute(text("DROP INDEX ix_orchestrator_case_request_per_caller"))
        connection.execute(
            text(
                "CREATE UNIQUE INDEX ix_orchestrator_case_request_id ON orchestrator_case (request_id)"
            )
        )
        for table, column, _, indexed in schema_upgrade.ADDED_COLUMNS:
            if indexed:
                connection.execute(text(f"DROP INDEX ix_{table}_{column}"))
            connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        for table, index in schema_upgrade.DROPPED_INDEXES:
            column = index.removeprefix(f"ix_{table}_")
            connection.execute(text(f"CREATE INDEX {index} ON {table} ({column})"))
        connection.execute(
            text(
                "INSERT INTO orchestrator_case (case_id, request_id, request_fingerprint, status,"
                " plan_year, programs, household, created_at, updated_at) VALUES ('c-old', 'r-old',"
                " 'f', 'CASE_STATUS_DETERMINED', 2026, '', :household, :at, :at)"
            ),
            {"household": b"", "at": "2026-01-05 10:00:00"},
        )
    db.dispose()

    again = open_database(database_url)
    try:
        inspector = inspect(again.engine)
        for table, column, _, _ in schema_upgrade.ADDED_COLUMNS:
            assert column in {c["name"] for c in inspector.get_columns(table)}, (table, column)
        indexes = {i["name"] for i in inspector.get_indexes("orchestrator_case")}
        assert "ix_orchestrator_case_opened_by" in indexes
        evidence_indexes = {i["name"] for i in inspector.get_indexes("orchestrator_evidence")}
        assert evidence_indexes.isdisjoint(index for _, index in schema_upgrade.DROPPED_INDEXES)
        assert "ix_orchestrator_evidence_subject_fact" in evidence_indexes
        with again.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT case_id, opened_by FROM orchestrator_case")
            ).all()
        assert [tuple(r) for r in rows] == [("c-old", "")]
        assert schema_upgrade.upgrade(make_engine(database_url)) == []
    finally:
        again.dispose()
