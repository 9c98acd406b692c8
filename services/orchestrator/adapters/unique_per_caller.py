"""A column once unique across every caller made unique per caller, in a database an
earlier version made.

Earlier versions kept each request_id unique across all callers: a unique index on the
case table, a UNIQUE constraint written into the change table's CREATE TABLE. The tables
now declare a unique index on (caller, request_id) instead. Rows already stored satisfy it
(unique on request_id alone, they are unique on the pair too), so each keeps answering its
own caller's retries.

The new index is made before the old uniqueness goes, so no moment is without one.
PostgreSQL drops a constraint by name; SQLite cannot drop one written into CREATE TABLE,
so there the table is rebuilt as it is declared now and its rows copied over. Run inside
one write transaction (schema_upgrade does), so a crash leaves the old table whole.
"""

from __future__ import annotations

from sqlalchemy import Connection, Table, inspect, text


def make_unique_per_caller(connection: Connection, table: Table, column: str) -> list[str]:
    """Drop whatever makes ``column`` unique on its own in ``table`` and make the table's
    declared unique indexes that are missing; returns what changed, by name (nothing
    when the database is already as declared)."""
    inspector = inspect(connection)
    alone = [column]
    constraints = [
        u["name"]
        for u in inspector.get_unique_constraints(table.name)
        if u["column_names"] == alone
    ]
    if constraints and connection.dialect.name == "sqlite":
        _rebuild_sqlite_table(connection, table)
        return [f"{table.name} (rebuilt)"]
    indexes = inspector.get_indexes(table.name)
    present = {i["name"] for i in indexes}
    changed = []
    for index in table.indexes:
        if index.unique and index.name not in present:
            index.create(connection, checkfirst=True)
            changed.append(str(index.name))
    for found in indexes:
        # An index behind a constraint goes with the constraint.
        if (
            found["unique"]
            and found["column_names"] == alone
            and not found.get("duplicates_constraint")
        ):
            connection.execute(text(f"DROP INDEX IF EXISTS {found['name']}"))
            changed.append(str(found["name"]))
    for name in constraints:
        connection.execute(text(f'ALTER TABLE {table.name} DROP CONSTRAINT IF EXISTS "{name}"'))
        changed.append(str(name))
    return changed


def _rebuild_sqlite_table(connection: Connection, table: Table) -> None:
    """``table`` made again as declared, holding the rows it held (ids included). For a
    table no other table refers to: SQLite would point their references at the old copy."""
    inspector = inspect(connection)
    columns = [c["name"] for c in inspector.get_columns(table.name) if c["name"] in table.c]
    old_indexes = [i["name"] for i in inspector.get_indexes(table.name)]
    aside = f"{table.name}_before_upgrade"
    connection.execute(text(f"ALTER TABLE {table.name} RENAME TO {aside}"))
    # The old table's indexes keep their names through the rename; the new table takes them.
    for name in old_indexes:
        connection.execute(text(f"DROP INDEX {name}"))
    table.create(connection)
    listed = ", ".join(columns)
    connection.execute(text(f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM {aside}"))
    connection.execute(text(f"DROP TABLE {aside}"))
