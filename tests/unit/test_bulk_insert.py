"""Rows stored through shared.bulk_insert read back exactly as rows stored through
SQLAlchemy's own insert, on both engines, and a duplicate key is refused the same way."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

from shared.bulk_insert import insert_at_once, insert_many
from shared.db import Database


class BulkSample(SQLModel, table=True):
    __tablename__ = "bulk_sample"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=32)
    # A reserved word as a column name: the statement must quote it as SQLAlchemy does.
    order: int
    at: dt.datetime
    until: dt.datetime | None = None
    day: dt.date
    blob: bytes
    flag: bool
    note: str | None = None


_TABLE = BulkSample.__table__  # type: ignore[attr-defined]


def _rows(prefix: str) -> list[dict[str, object]]:
    moment = dt.datetime(2026, 11, 30, 4, 5, 6, 789012, tzinfo=dt.UTC)
    return [
        {
            "key": f"{prefix}-{n}",
            "order": n,
            "at": moment + dt.timedelta(minutes=n),
            "until": None if n % 2 else moment.astimezone(dt.timezone(dt.timedelta(hours=-5))),
            "day": dt.date(2026, 1, 1 + n),
            "blob": bytes([n, 0, 255]),
            "flag": n % 2 == 0,
            "note": None if n == 1 else "text with 'quotes' and \u00e9",
        }
        for n in range(4)
    ]


def _stored(db: Database, prefix: str) -> list[tuple[object, ...]]:
    with db.engine.connect() as connection:
        found = connection.execute(
            select(_TABLE).where(_TABLE.c.key.like(f"{prefix}-%")).order_by(_TABLE.c.order)
        )
        return [tuple(row)[2:] for row in found]


@pytest.fixture
def db(database_url: str):  # type: ignore[no-untyped-def]
    database = Database(database_url, [BulkSample])
    database.create_tables()
    yield database
    database.dispose()


def test_rows_read_back_as_sqlalchemy_stores_them(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(insert(_TABLE), _rows("orm"))
        insert_many(connection, _TABLE, _rows("bulk"))
    through_orm = _stored(db, "orm")
    assert len(through_orm) == 4
    assert _stored(db, "bulk") == through_orm


def test_a_duplicate_key_is_refused_as_an_integrity_error_and_nothing_is_kept(
    db: Database,
) -> None:
    with db.engine.begin() as connection:
        insert_many(connection, _TABLE, _rows("dup"))
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        insert_many(connection, _TABLE, _rows("other") + _rows("dup")[:1])
    assert _stored(db, "other") == []


def test_rows_inserted_at_once_read_back_as_sqlalchemy_stores_them(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(insert(_TABLE), _rows("orm"))
        insert_at_once(connection, _TABLE, _rows("once"))
    assert _stored(db, "once") == _stored(db, "orm")


def test_the_statement_ahead_runs_with_the_rows_inserted_at_once(db: Database) -> None:
    if not db.is_postgres:
        pytest.skip("a data-modifying WITH clause is PostgreSQL's")
    with db.engine.begin() as connection:
        insert_many(connection, _TABLE, _rows("before"))
    with db.engine.begin() as connection:
        ahead = "WITH moved AS (UPDATE bulk_sample SET note = %s WHERE key = %s)"
        insert_at_once(connection, _TABLE, _rows("after"), ahead, ("moved", "before-2"))
    assert len(_stored(db, "after")) == 4
    notes = {row[0]: row[-1] for row in _stored(db, "before")}
    assert notes[0] != "moved" and notes[2] == "moved"


def test_named_columns_are_stored_and_other_keys_left_out(db: Database) -> None:
    rows = [dict(r, _state="not a column", unrelated=1) for r in _rows("named")]
    columns = [c.name for c in _TABLE.columns if c.name != "id"]
    with db.engine.begin() as connection:
        insert_many(connection, _TABLE, rows, columns)
        connection.execute(insert(_TABLE), _rows("plain"))
    # _stored leaves out the id and the key, which differ by prefix.
    assert _stored(db, "named") == _stored(db, "plain")
    assert len(_stored(db, "named")) == 4
