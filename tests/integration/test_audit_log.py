"""The hash-chained audit log on SQLite and PostgreSQL: appends, tamper detection,
concurrent writers."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text, update

from shared.audit import Outcome, Problem, audit_log, audit_subject_ref, entry_hash
from shared.db import Database

LOG = audit_log("audittest")
OTHER = audit_log("audittest_other")
KEY = bytes(range(32))
MARIA = audit_subject_ref(KEY, "412558301")
JOSE = audit_subject_ref(KEY, "412558302")
T0 = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)
TABLE = "audittest_audit_log"


@pytest.fixture
def db(database_url):  # type: ignore[no-untyped-def]
    database = Database(database_url, [*LOG.tables, *OTHER.tables])
    database.create_tables()
    yield database
    database.dispose()


def _append(session, n: int, subject: str = MARIA, log=LOG):  # type: ignore[no-untyped-def]
    return log.append(
        session,
        at=T0 + dt.timedelta(seconds=n),
        actor_service="orchestrator",
        actor_caseworker="cw-7",
        subject_ref=subject,
        facts=["income", "identity"],
        case_id=f"case-{n}",
        purpose="marketplace-eligibility",
        outcome=Outcome.DISCLOSED if n % 3 else Outcome.REFUSED,
        detail=f"request {n}",
    )


def _fill(db: Database, count: int = 5) -> None:
    for n in range(1, count + 1):
        with db.session() as session:
            _append(session, n, MARIA if n % 2 else JOSE)


def _sql(db: Database, *statements: str) -> None:
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def _verify(db: Database):  # type: ignore[no-untyped-def]
    with db.session() as session:
        return LOG.verify(session)


def test_an_untouched_chain_verifies(db: Database) -> None:
    _fill(db)
    result = _verify(db)
    assert (result.ok, result.entries, result.problem) == (True, 5, None)


def test_an_empty_log_verifies(db: Database) -> None:
    assert _verify(db).ok


def test_entries_are_numbered_and_linked_in_order(db: Database) -> None:
    _fill(db, 3)
    with db.session() as session:
        rows = LOG.entries_for_subject(session, MARIA) + LOG.entries_for_subject(session, JOSE)
        head = LOG.head(session)
    by_seq = sorted(rows, key=lambda r: r.seq)
    assert [r.seq for r in by_seq] == [1, 2, 3]
    assert by_seq[1].prev_hash == by_seq[0].hash and by_seq[2].prev_hash == by_seq[1].hash
    assert head == (3, by_seq[2].hash)


def test_a_disclosure_report_lists_only_that_person(db: Database) -> None:
    _fill(db, 5)
    with db.session() as session:
        entries = LOG.entries_for_subject(session, JOSE)
    assert [e.seq for e in entries] == [2, 4]
    assert entries[0].fact_names() == ["identity", "income"]
    assert entries[0].case_id == "case-2" and entries[0].actor_caseworker == "cw-7"
    assert entries[0].recorded_at == dt.datetime(2026, 11, 25, 15, 0, 2, tzinfo=dt.UTC)


def test_an_altered_field_is_caught_at_its_entry(db: Database) -> None:
    _fill(db)
    _sql(db, f"UPDATE {TABLE} SET purpose = 'snap-eligibility' WHERE seq = 3")
    result = _verify(db)
    assert (result.ok, result.bad_seq, result.problem) == (False, 3, Problem.ALTERED)
    assert result.entries == 2


def test_an_altered_time_is_caught(db: Database) -> None:
    _fill(db)
    with db.engine.begin() as conn:
        conn.execute(
            update(LOG.entry)
            .where(LOG.entry.seq == 2)
            .values(recorded_at=T0 - dt.timedelta(days=1))
        )
    result = _verify(db)
    assert (result.bad_seq, result.problem) == (2, Problem.ALTERED)


def test_an_altered_entry_with_a_recomputed_hash_is_caught_by_the_next_link(db: Database) -> None:
    _fill(db)
    with db.session() as session:
        row = session.get(LOG.entry, 2)
        row.outcome = "FAILED"
        row.hash = entry_hash(row)
        session.add(row)
    result = _verify(db)
    assert (result.bad_seq, result.problem) == (2, Problem.ALTERED)


def test_a_deleted_entry_is_caught(db: Database) -> None:
    _fill(db)
    _sql(db, f"DELETE FROM {TABLE} WHERE seq = 3")
    result = _verify(db)
    assert (result.ok, result.bad_seq, result.problem) == (False, 3, Problem.MISSING)


def test_a_deleted_first_entry_is_caught(db: Database) -> None:
    _fill(db)
    _sql(db, f"DELETE FROM {TABLE} WHERE seq = 1")
    assert (_verify(db).bad_seq, _verify(db).problem) == (1, Problem.MISSING)


def test_entries_cut_off_the_end_are_caught(db: Database) -> None:
    _fill(db)
    _sql(db, f"DELETE FROM {TABLE} WHERE seq >= 4")
    result = _verify(db)
    assert (result.bad_seq, result.problem) == (4, Problem.MISSING)


def test_two_swapped_entries_are_caught(db: Database) -> None:
    _fill(db)
    _sql(
        db,
        f"UPDATE {TABLE} SET seq = -1 WHERE seq = 2",
        f"UPDATE {TABLE} SET seq = 2 WHERE seq = 3",
        f"UPDATE {TABLE} SET seq = 3 WHERE seq = -1",
    )
    result = _verify(db)
    assert (result.ok, result.bad_seq, result.problem) == (False, 2, Problem.REORDERED)


def test_a_forged_entry_past_the_head_is_caught(db: Database) -> None:
    _fill(db, 2)
    with db.session() as session:
        last = session.get(LOG.entry, 2)
        forged = LOG.entry(**{**last.model_dump(), "seq": 3, "prev_hash": last.hash})
        forged.hash = entry_hash(forged)
        session.add(forged)
    result = _verify(db)
    assert (result.bad_seq, result.problem) == (3, Problem.INSERTED)


def test_a_rolled_back_append_leaves_no_trace(db: Database) -> None:
    _fill(db, 2)
    with pytest.raises(RuntimeError), db.session() as session:
        _append(session, 3)
        raise RuntimeError("the disclosure itself failed")
    with db.session() as session:
        _append(session, 4)
    result = _verify(db)
    assert (result.ok, result.entries) == (True, 3)


def test_each_service_keeps_its_own_chain(db: Database) -> None:
    _fill(db, 2)
    with db.session() as session:
        entry = _append(session, 1, log=OTHER)
        assert entry.seq == 1
        assert OTHER.verify(session).entries == 1


def test_concurrent_writers_keep_one_valid_chain(db: Database) -> None:
    writers, per_writer = 8, 10

    def write(worker: int) -> None:
        for n in range(per_writer):
            with db.session() as session:
                # Two entries in one transaction: both land next to each other.
                first = _append(session, worker * 100 + n)
                second = _append(session, worker * 100 + n, subject=JOSE)
                assert second.seq == first.seq + 1

    with ThreadPoolExecutor(max_workers=writers) as pool:
        list(pool.map(write, range(writers)))
    result = _verify(db)
    assert (result.ok, result.entries) == (True, writers * per_writer * 2)
