"""A PostgreSQL restart drops every pooled connection; the next units of work must still
succeed. Terminating the database's backends is what a restart does to the clients'
connections, without restarting the server that other tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

import shared.db
from shared.db import Database
from tests.conftest import (
    POSTGRES_ADMIN_URL,
    _drop_postgres_database,
    _fresh_postgres_database,
    postgres_unreachable_reason,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres() -> Iterator[Database]:
    """PostgreSQL only: SQLite has no server to lose."""
    reason = postgres_unreachable_reason()
    if reason:
        pytest.skip(reason)
    name, url = _fresh_postgres_database()
    db = Database(url, [])
    try:
        yield db
    finally:
        db.dispose()
        _drop_postgres_database(name)


def _restart_as_seen_by_clients(db: Database) -> int:
    """Terminate every server process of this database; how many there were."""
    name = db.engine.url.database
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchall()
    return len(rows)


def _counting(calls: list[int]):  # type: ignore[no-untyped-def]
    def work(session: Session) -> int:
        calls.append(1)
        return int(session.execute(text("SELECT 41 + 1")).scalar_one())

    return work


async def _use_several_connections(db: Database) -> None:
    # Concurrent units hold several pooled connections at once.
    async def hold(session_seconds: float) -> None:
        await db.run(lambda s: s.execute(text(f"SELECT pg_sleep({session_seconds})")))

    await asyncio.gather(*(hold(0.2) for _ in range(3)))


def test_units_of_work_succeed_after_the_server_dropped_every_connection(
    postgres: Database,
) -> None:
    asyncio.run(_use_several_connections(postgres))
    assert _restart_as_seen_by_clients(postgres) >= 3

    calls: list[int] = []
    for _ in range(5):
        assert asyncio.run(postgres.run(_counting(calls))) == 42
        assert asyncio.run(postgres.read(_counting(calls))) == 42
    # The first unit met the lost connection and ran again once; the others were given
    # new connections, as the whole pool was replaced.
    assert len(calls) == 11


def test_a_connection_idle_a_while_is_checked_before_the_work_runs(
    postgres: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(postgres.run(lambda s: s.execute(text("SELECT 1"))))
    assert _restart_as_seen_by_clients(postgres) == 1
    monkeypatch.setattr(shared.db, "_IDLE_BEFORE_PING_S", 0.0)

    calls: list[int] = []
    assert asyncio.run(postgres.run(_counting(calls))) == 42
    assert len(calls) == 1


def test_a_second_loss_in_a_row_is_reported(postgres: Database) -> None:
    asyncio.run(postgres.run(lambda s: s.execute(text("SELECT 1"))))
    calls: list[int] = []

    def lose_the_connection_each_time(session: Session) -> None:
        calls.append(1)
        session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    with pytest.raises(OperationalError):
        asyncio.run(postgres.run(lose_the_connection_each_time))
    assert len(calls) == 2
