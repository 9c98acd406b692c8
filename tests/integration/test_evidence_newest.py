"""The evidence store's newest-fact lookup, on SQLite and PostgreSQL: per person and fact,
the newest row that qualifies (status, still valid), whatever came after it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from services.orchestrator.adapters.evidence_store import fresh_facts
from services.orchestrator.adapters.tables import TABLES, CaseRow, EvidenceRow
from shared.db import Database

NOW = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
def db(database_url):  # type: ignore[no-untyped-def]
    database = Database(database_url, TABLES)
    database.create_tables()
    with database.session() as session:
        session.add(
            CaseRow(
                case_id="c1",
                request_id="r1",
                request_fingerprint="f",
                status="CASE_STATUS_DETERMINED",
                plan_year=2027,
                programs="",
                household=b"",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    yield database
    database.dispose()


def _add(db: Database, ref: str, fact: str, value: str, status: str, valid_until) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        session.add(
            EvidenceRow(
                evidence_id=uuid.uuid4().hex,
                case_id="c1",
                person_id="p",
                subject_ref=ref,
                fact=fact,
                value=value,
                status=status,
                source="ssa",
                method="ELECTRONIC",
                obtained_at=NOW - DAY,
                valid_until=valid_until,
            )
        )


def test_the_newest_qualifying_row_per_person_and_fact_is_found(db: Database) -> None:
    _add(db, "ann", "identity.ssn_match", "old", "VERIFIED", NOW + DAY)
    _add(db, "ann", "identity.ssn_match", "new", "VERIFIED", NOW + DAY)
    # Newer rows that do not qualify do not hide the one that does.
    _add(db, "ann", "identity.ssn_match", "stale", "VERIFIED", NOW - DAY)
    _add(db, "ann", "identity.ssn_match", "odd", "INCONSISTENT", NOW + DAY)
    _add(db, "ann", "income.magi", "ann-income", "VERIFIED", NOW + DAY)
    _add(db, "bob", "identity.ssn_match", "bob", "VERIFIED", NOW + DAY)
    _add(db, "cy", "identity.ssn_match", "cy-stale", "VERIFIED", NOW - DAY)
    with db.session() as session:
        found = fresh_facts(
            session, ["ann", "bob", "cy"], ["identity.ssn_match", "income.magi"], NOW, ["VERIFIED"]
        )
        assert {key: row.value for key, row in found.items()} == {
            ("ann", "identity.ssn_match"): "new",
            ("ann", "income.magi"): "ann-income",
            ("bob", "identity.ssn_match"): "bob",
        }
        # Without a time, the newest of the statuses asked for, however old.
        newest = fresh_facts(
            session, ["ann", "cy"], ["identity.ssn_match"], None, ["VERIFIED", "INCONSISTENT"]
        )
        assert {key: row.value for key, row in newest.items()} == {
            ("ann", "identity.ssn_match"): "odd",
            ("cy", "identity.ssn_match"): "cy-stale",
        }
        assert fresh_facts(session, [], ["identity.ssn_match"], NOW, ["VERIFIED"]) == {}
