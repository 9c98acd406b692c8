"""Replicas of a service started together on one new database all start: whichever comes
first makes the tables, and none fails on what another made meanwhile (on PostgreSQL a
second CREATE TABLE, type or index of the same name is an error, not a no-op). On SQLite,
two processes on one file: a service starting while `elig data` loads into its database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import inspect

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
