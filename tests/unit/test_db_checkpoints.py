"""SQLite's write-ahead log is copied into the database by the Database's own checkpoint
after every so many writes, not by whichever writer happens to push the log past
SQLite's limit (which held the one writer's turn while it copied and synced)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from sqlmodel import Field, Session, SQLModel

from shared import db as db_module
from shared.db import Database


class CheckpointSample(SQLModel, table=True):
    __tablename__ = "checkpoint_sample"

    id: int | None = Field(default=None, primary_key=True)
    payload: str


def _write(session: Session) -> None:
    session.add(CheckpointSample(payload="x" * 80_000))


def _database_pages(path: Path) -> int:
    # What the main file holds, without opening a connection (closing the last one
    # checkpoints too, which would hide whether ours ran).
    return path.stat().st_size // 4096


def test_the_log_is_copied_into_the_database_after_every_so_many_writes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.db"
    db = Database(f"sqlite:///{path}", [CheckpointSample])
    db.create_tables()
    every = db_module._WRITES_PER_CHECKPOINT

    async def writes(count: int) -> None:
        for _ in range(count):
            await db.run(_write)

    try:
        asyncio.run(writes(every - 1))
        before = _database_pages(path)
        # SQLite's own checkpoint would have run by now (1000 pages by default).
        assert (every - 1) * 19 > 1000
        assert before < 10, "SQLite checkpointed on its own; the log was not left to us"
        asyncio.run(writes(1))
        deadline = time.monotonic() + 30
        while _database_pages(path) < (every - 1) * 19 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _database_pages(path) >= (every - 1) * 19
    finally:
        db.dispose()
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM checkpoint_sample").fetchone() == (every,)
