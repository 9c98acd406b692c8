"""Group commit: concurrent writes share commits, and each caller hears how its own ended."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import Field, Session, SQLModel, select

from shared.db import Database
from shared.group_commit import GroupCommit


class GroupNote(SQLModel, table=True):
    __tablename__ = "group_commit_note"

    id: int | None = Field(default=None, primary_key=True)
    text: str


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = Database(f"sqlite:///{tmp_path / 'notes.db'}", [GroupNote])
    database.create_tables()
    yield database
    database.dispose()


async def test_every_write_is_committed_when_its_caller_goes_on_and_commits_are_shared(
    db: Database,
) -> None:
    batches: list[int] = []

    def write_all(session: Session, texts: list[str]) -> None:
        batches.append(len(texts))
        session.add_all(GroupNote(text=t) for t in texts)

    group = GroupCommit(db, write_all)

    async def one(n: int) -> None:
        await group.write(f"note {n}")
        # Committed: another session sees it.
        with db.session() as session:
            assert session.exec(select(GroupNote).where(GroupNote.text == f"note {n}")).first()

    await asyncio.gather(*(one(n) for n in range(50)))
    assert sum(batches) == 50
    assert len(batches) < 50


async def test_a_failed_commit_fails_every_write_in_it_and_the_next_ones_go_through(
    db: Database,
) -> None:
    def write_all(session: Session, texts: list[str]) -> None:
        if "bad" in texts:
            raise RuntimeError("cannot write")
        session.add_all(GroupNote(text=t) for t in texts)

    group = GroupCommit(db, write_all)
    results = await asyncio.gather(
        group.write("first"), group.write("bad"), group.write("third"), return_exceptions=True
    )
    failed = [r for r in results if isinstance(r, RuntimeError)]
    assert failed, "the batch holding the bad write must fail"
    await group.write("after")
    with db.session() as session:
        stored = {n.text for n in session.exec(select(GroupNote))}
    assert "bad" not in stored and "after" in stored
