"""Fixtures shared by every test layer: databases on both engines, a fixed clock."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator

# Before grpc loads: gRPC core's own lines ("Got goaway") would land in the test output.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import psycopg  # noqa: E402
import pytest  # noqa: E402

from shared.clock import FixedClock  # noqa: E402

# CI and the developers' machines run PostgreSQL here; ELIG_TEST_POSTGRES_URL overrides.
POSTGRES_ADMIN_URL = os.environ.get(
    "ELIG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
_postgres_error: str | None = None
_postgres_checked = False


def postgres_unreachable_reason() -> str | None:
    """None when PostgreSQL answers, else why not (checked once per run)."""
    global _postgres_checked, _postgres_error
    if not _postgres_checked:
        _postgres_checked = True
        try:
            with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
                pass
        except Exception as error:  # any failure to connect means unreachable
            _postgres_error = f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {error}"
    return _postgres_error


def _fresh_postgres_database() -> tuple[str, str]:
    name = f"elig_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def _drop_postgres_database(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh, empty database on each engine: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    reason = postgres_unreachable_reason()
    if reason:
        pytest.skip(reason)
    name, url = _fresh_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(name)


@pytest.fixture
def clock() -> FixedClock:
    """Open enrollment for plan year 2027 is under way on this date."""
    return FixedClock(dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC))


def pytest_report_header(config: pytest.Config) -> str:
    reason = postgres_unreachable_reason()
    if reason:
        return f"postgres: SKIPPED TESTS WILL FOLLOW -- {reason}"
    return f"postgres: reachable at {POSTGRES_ADMIN_URL}"
