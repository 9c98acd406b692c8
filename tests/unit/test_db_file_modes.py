"""A service's SQLite files hold SSNs, names, incomes and tax returns: no other user of the
machine may read them, whatever the process's umask, and a file an older build left open
to others is closed when a service opens it again."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Field, Session, SQLModel

from shared.db import Database


class ModeSample(SQLModel, table=True):
    __tablename__ = "mode_sample"

    id: int | None = Field(default=None, primary_key=True)
    ssn: str


@pytest.fixture
def open_umask() -> Iterator[None]:
    # The common default: files others may read.
    before = os.umask(0o022)
    yield
    os.umask(before)


def _write_one(path: Path) -> None:
    db = Database(f"sqlite:///{path}", [ModeSample])
    try:
        db.create_tables()

        def work(session: Session) -> None:
            session.add(ModeSample(ssn="587314926"))

        asyncio.run(db.run(work))
        # While a connection is open the -wal and -shm files exist: check them then.
        for name in (path.name, path.name + "-wal", path.name + "-shm"):
            mode = stat.S_IMODE((path.parent / name).stat().st_mode)
            assert mode & 0o077 == 0, f"{name} is {oct(mode)}"
    finally:
        db.dispose()


def test_a_new_database_and_its_log_are_readable_by_their_owner_alone(
    tmp_path: Path, open_umask: None
) -> None:
    _write_one(tmp_path / "data" / "treasury.db")


def test_a_database_left_open_to_others_is_closed_to_them_when_opened(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "orchestrator.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    _write_one(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
