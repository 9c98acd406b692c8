"""Databases for whole stacks: each service its own SQLite file, or a fresh PostgreSQL
database per service, dropped afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from services.cli.stack import SERVICES
from tests.conftest import (
    _drop_postgres_database,
    _fresh_postgres_database,
    postgres_unreachable_reason,
)


@contextmanager
def _postgres_databases() -> Iterator[dict[str, str]]:
    reason = postgres_unreachable_reason()
    if reason:
        pytest.skip(reason)
    created = {name: _fresh_postgres_database() for name in SERVICES}
    try:
        yield {name: url for name, (_, url) in created.items()}
    finally:
        for db_name, _ in created.values():
            _drop_postgres_database(db_name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_urls(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Per-service database URLs: none (each service's own SQLite file), or a fresh
    PostgreSQL database for every service."""
    if request.param == "sqlite":
        yield {}
        return
    with _postgres_databases() as urls:
        yield urls


@pytest.fixture
def postgres_urls() -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database for every service (skipped without PostgreSQL)."""
    with _postgres_databases() as urls:
        yield urls
