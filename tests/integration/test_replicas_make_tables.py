"""Replicas of a service started together on one new database all start: whichever comes
first makes the tables, and none fails on what another made meanwhile (on PostgreSQL a
second CREATE TABLE, type or index of the same name is an error, not a no-op). On SQLite,
two processes on one file: a service starting while `elig data` loads into its database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import inspect, text

from services.hhs.tables import ADDED_COLUMNS as HHS_ADDED_COLUMNS
from services.hhs.tables import TABLES as HHS_TABLES
from services.orchestrator.adapters.tables import TABLES as ORCHESTRATOR_TABLES
from shared.db import Database
from tests.integration.at_once import at_once

REPLICAS = 4


@pytest.mark.parametrize("tables", [ORCHESTRATOR_TABLES, HHS_TABLES], ids=["orchestrator", "hhs"])
def test_replicas_making_the_tables_at_once_all_start(database_url, tables) -> None:  # type: ignore[no-untyped-def]
    def start(go: Callable[[], None]) -> None:
        db = Database(database_url, tables)
        try:
            go()
            db.create_tables()
        finally:
            db.dispose()

    _, failed = at_once(REPLICAS, start)
    assert not failed, failed
    db = Database(database_url, tables)
    try:
        made = set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
    assert {t.__tablename__ for t in tables} <= made


def test_replicas_opening_an_earlier_database_at_once_all_start(database_url) -> None:  # type: ignore[no-untyped-def]
    """HHS replicas starting together on a database made before a column was added: the
    column is added once, whichever comes first, and none fails on ADD COLUMN."""
    db = Database(database_url, HHS_TABLES)
    try:
        db.create_tables()
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE hhs_enrollment DROP COLUMN ended_by"))
    finally:
        db.dispose()

    def start(go: Callable[[], None]) -> None:
        replica = Database(database_url, HHS_TABLES)
        try:
            go()
            replica.create_tables(HHS_ADDED_COLUMNS)
        finally:
            replica.dispose()

    _, failed = at_once(REPLICAS, start)
    assert not failed, failed
    db = Database(database_url, HHS_TABLES)
    try:
        columns = {c["name"] for c in inspect(db.engine).get_columns("hhs_enrollment")}
    finally:
        db.dispose()
    assert "ended_by" in columns
