"""Many rows of one table in one executemany, straight through the driver.

SQLAlchemy's executemany builds a parameter dictionary per row and passes every value
through its bind processing one call at a time; for the hundred or so rows an application
stores, that bookkeeping cost more than SQLite's own work. Here each table's statement and
its columns' conversions are worked out once, and each row becomes a tuple. The values
stored are the ones SQLAlchemy would store (the same bind processors convert them), so
rows written either way read back alike. On PostgreSQL, psycopg sends an executemany's
rows in one pipeline, as SQLAlchemy's own batching did.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect


@dataclass(frozen=True)
class _Plan:
    sql: str
    columns: tuple[str, ...]
    # Per column, what turns a Python value into what the driver takes (None: as it is).
    convert: tuple[Callable[[Any], Any] | None, ...]

    def params(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            values[name] if fn is None or values[name] is None else fn(values[name])
            for name, fn in zip(self.columns, self.convert, strict=True)
        )


# The drivers' placeholders: sqlite3 takes qmark, psycopg takes format.
_MARK = {"sqlite": "?", "postgresql": "%s"}


@functools.cache
def _plan(table: Table, dialect: Dialect, columns: tuple[str, ...]) -> _Plan:
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join(_MARK[dialect.name] for _ in columns)
    # _cached_bind_processor is how SQLAlchemy itself gets a type's conversion for a dialect.
    convert = tuple(table.c[c].type._cached_bind_processor(dialect) for c in columns)
    return _Plan(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", columns, convert)


@functools.cache
def _rows_at_once(plan: _Plan, count: int, ahead: str) -> str:
    head, _, marks = plan.sql.partition(" VALUES ")
    return f"{ahead} {head} VALUES {', '.join([marks] * count)}".lstrip()


def insert_many(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
) -> None:
    """Insert ``rows`` in the connection's transaction. Each row maps column names to
    values; ``columns`` names the ones to store (every row has them, and may hold other
    keys), or, when not given, every row names exactly the same columns. The statement goes
    through the connection as driver SQL, so the engine's events and error wrapping apply as
    to any other statement."""
    if not rows:
        return
    dialect = connection.dialect
    names = tuple(columns) if columns is not None else tuple(rows[0])
    if dialect.name not in _MARK:
        connection.execute(insert(table), [{c: r[c] for c in names} for r in rows])
        return
    plan = _plan(table, dialect, names)
    connection.exec_driver_sql(plan.sql, [plan.params(r) for r in rows])


def insert_at_once(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    ahead: str = "",
    ahead_params: tuple[Any, ...] = (),
) -> None:
    """``insert_many``'s rows in one multi-row INSERT, a single statement: one round trip
    where PostgreSQL's executemany is a pipeline of its own. ``ahead`` is driver SQL put
    before the INSERT, with its own parameters first: a WITH clause whose statement runs
    in the same round trip (PostgreSQL's data-modifying WITH), e.g. an UPDATE."""
    if not rows:
        return
    dialect = connection.dialect
    plan = _plan(table, dialect, tuple(rows[0]))
    params = [*ahead_params]
    for row in rows:
        params.extend(plan.params(row))
    connection.exec_driver_sql(_rows_at_once(plan, len(rows), ahead), tuple(params))
