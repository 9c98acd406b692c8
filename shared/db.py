"""Database engine and units of work, the same for SQLite and PostgreSQL.

Sessions are synchronous (SQLModel); ``Database.run`` moves each unit of work to a
worker thread so that a gRPC event loop never blocks on the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlmodel import Session, SQLModel, create_engine

from shared.added_columns import AddedColumn, add_missing

T = TypeVar("T")

# SQLite's own checkpoint runs inside the commit that pushed the log past its limit (1000
# pages by default), while that writer still holds the one writer's turn: every other
# write waited for the log to be copied into the database and synced. Database takes a
# passive checkpoint after every so many writes, once its turn is given back, so writers go
# on beside it; SQLite's own is left only as a bound on the log.
_WRITES_PER_CHECKPOINT = 64
_WAL_PAGES_AT_MOST = 20_000


def take_turn(executor: Any, scope: bytes) -> None:
    """On PostgreSQL, wait until no other transaction holds ``scope``'s turn (an advisory
    lock held until the caller's transaction ends); processes on one database then do the
    work it guards one at a time. SQLite has one writer, which already makes writes take
    turns. ``executor``: a Connection or a Session."""
    dialect = executor.dialect if isinstance(executor, Connection) else executor.get_bind().dialect
    if dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(scope).digest()[:8], "big", signed=True)
    executor.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def take_schema_turn(connection: Any) -> None:
    """The turn of a process changing the schema, at the start of its transaction: on
    SQLite the writer's (pysqlite begins a transaction only before a write of rows, so
    without it each change of the schema would commit on its own, and a second process
    would look for tables before the first made them)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    take_turn(connection, b"elig-schema")


# A PostgreSQL connection back in the pool for longer than this is pinged before it is
# used again. A ping is a round trip, and under load every unit of work took one; a
# connection that is used all the time needs none, as a server gone meanwhile is noticed
# by the unit of work itself, which is then run again once (Database.run).
_IDLE_BEFORE_PING_S = 5.0


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    """An engine whose errors never echo row values: those are personal data, and
    database errors end up in logs."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
            _private_sqlite_file(Path(parsed.database))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            # WAL lets readers run beside the one writer; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL survives a crash of the process (what a laptop stack
            # meets); PostgreSQL is the store for durability against power loss.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Checkpoints are taken by Database after its writes, outside the writer's turn
            # (see Database.run and Database._checkpoint); this only bounds the log if they
            # are not.
            cursor.execute(f"PRAGMA wal_autocheckpoint={_WAL_PAGES_AT_MOST}")
            cursor.close()

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10, hide_parameters=True)
    _ping_when_idle(engine)
    return engine


def _private_sqlite_file(path: Path) -> None:
    """The database file readable by its owner alone: it holds SSNs, names, incomes and,
    for Treasury, tax returns. SQLite would create it with the process's umask (commonly
    world-readable), and gives its -wal and -shm files the database file's own mode, so
    making the file first, or closing an older one, covers all three. A file someone else
    owns is left as it is (and SQLite says so if it cannot be opened)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    for companion in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = stat.S_IMODE(companion.stat().st_mode)
            if mode & 0o077:
                os.chmod(companion, mode & ~0o077)
        except OSError:
            continue


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection on checkout only when it sat idle a while: a server that
    restarted while the service was quiet is then found before any work is tried."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_: Any, record: Any) -> None:
        record.info["idle_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _: Any) -> None:
        idle_from = record.info.get("idle_from")
        if idle_from is None or time.monotonic() - idle_from < _IDLE_BEFORE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # One dead connection means the server went away: every connection made
            # before now is replaced, this one at once (the pool reconnects and retries).
            raise InvalidatePoolError() from error


class Database:
    """One service's database: its engine and the tables it owns."""

    def __init__(self, url: str, tables: Sequence[type[SQLModel]]) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._tables = [t.__table__ for t in tables]  # type: ignore[attr-defined]
        # Reads on PostgreSQL run without a transaction: at READ COMMITTED each statement
        # sees its own snapshot inside one as well, so only the BEGIN and COMMIT round
        # trips go.
        self._reader = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else self.engine
        )
        # SQLite has one writer; taking turns here is cheaper than its busy-wait back-off.
        self._turns = threading.Lock() if self.engine.dialect.name == "sqlite" else None
        self._writes = 0
        # One thread of its own, so no caller waits for a checkpoint (created at the first).
        self._checkpointer = ThreadPoolExecutor(1, thread_name_prefix="sqlite-checkpoint")

    def create_tables(self, added: Sequence[AddedColumn] = ()) -> None:
        """Make the tables that are missing, then add the columns (``added``) that tables
        made by an earlier version lack. Processes starting together on one database take
        turns: each would see a table or column missing, and the second's CREATE TABLE or
        ADD COLUMN would fail its start."""
        with self.engine.begin() as connection:
            take_schema_turn(connection)
            SQLModel.metadata.create_all(connection, tables=self._tables)
            add_missing(connection, added)

    def drop_tables(self) -> None:
        SQLModel.metadata.drop_all(self.engine, tables=self._tables)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends cleanly, rolled back otherwise."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def _once_more_if_disconnected(
        self, work: Callable[[Session], T], engine: Engine | None = None
    ) -> T:
        """``work`` in one unit of work, run again once if the connection turned out to be
        lost (a server restart) before the commit was sent: the server dropped that
        transaction with the connection, so nothing of it is stored. A connection lost
        during the commit is not retried, as the commit may have been made."""
        for attempt in (1, 2):
            with Session(engine or self.engine, expire_on_commit=False) as session:
                try:
                    result = work(session)
                except DBAPIError as error:
                    session.rollback()
                    if attempt == 1 and error.connection_invalidated:
                        continue
                    raise
                except BaseException:
                    session.rollback()
                    raise
                session.commit()
                return result
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one session and one commit, off the event loop."""

        def unit() -> T:
            if self._turns is None:
                return self._once_more_if_disconnected(work)
            with self._turns:
                with self.session() as session:
                    result = work(session)
                self._writes += 1
                due = self._writes % _WRITES_PER_CHECKPOINT == 0
            if due:
                with contextlib.suppress(RuntimeError):  # disposed meanwhile: nothing to copy to
                    self._checkpointer.submit(self._checkpoint)
            return result

        return await asyncio.to_thread(unit)

    def _checkpoint(self) -> None:
        """Copy the write-ahead log into the database as far as readers allow, beside the
        writers (PASSIVE)."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    async def read(self, work: Callable[[Session], T]) -> T:
        """Like ``run``, for work that only reads: on SQLite it does not wait for the
        writer's turn, as readers see the last commit beside a writer (WAL). On PostgreSQL
        it runs outside a transaction, so it must neither write nor lock (FOR UPDATE)."""

        def unit() -> T:
            if self._turns is None:
                return self._once_more_if_disconnected(work, self._reader)
            with self.session() as session:
                return work(session)

        return await asyncio.to_thread(unit)

    def dispose(self) -> None:
        self._checkpointer.shutdown(wait=True)
        self.engine.dispose()
