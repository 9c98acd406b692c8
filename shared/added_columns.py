"""Columns a service added to its tables since its first release, added in place to a
database an earlier version made.

``create_all`` makes missing tables but never alters an existing one. Each service keeps
the list of columns it added (its record of schema changes, until the project adopts
migrations) and hands it here when it opens its database; a column already there is left
alone, so opening a database twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, inspect, text

# (table, column, its DDL, indexed). The DDL carries a default: rows already stored get it.
AddedColumn = tuple[str, str, str, bool]


def add_missing(connection: Connection, columns: Sequence[AddedColumn]) -> list[str]:
    """Add whichever of ``columns`` are missing, in the caller's transaction; returns those
    added, as table.column."""
    inspector = inspect(connection)
    added = []
    for table, column, ddl, indexed in columns:
        if column in {c["name"] for c in inspector.get_columns(table)}:
            continue
        connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}"))
        if indexed:  # named as SQLModel names the index of a new database
            connection.execute(
                text(f"CREATE INDEX IF NOT EXISTS ix_{table}_{column} ON {table} ({column})")
            )
        added.append(f"{table}.{column}")
    return added
