"""A database made while request_ids were unique across every caller (a unique index on
the case table, a UNIQUE constraint in the change table's CREATE TABLE) is moved to
request_ids unique per caller when the orchestrator opens it: a stored case and change
still answer their own caller's retries, another caller's same request_id makes a case
and a change of their own, and the database itself still refuses a second case or change
for one caller's request_id, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import Index, MetaData, UniqueConstraint, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.adapters import schema_upgrade
from services.orchestrator.adapters.tables import TABLES, CaseRow, LifeEventRow
from services.orchestrator.domain.intake import normalise_state_code
from services.orchestrator.usecases import apply, report_change
from shared.db import make_engine
from shared.ordered_ids import ordered_id
from tests.integration.applications import example
from tests.integration.at_once import at_once

PER_CALLER = {
    "orchestrator_case": "ix_orchestrator_case_request_per_caller",
    "orchestrator_life_event": "ix_orchestrator_life_event_request_per_caller",
}
CHANGE = le.LifeEvent(
    kind=le.LIFE_EVENT_KIND_INCOME_CHANGE,
    effective_date=date_pb2.Date(year=2026, month=11, day=1),
    person_id="adaeze",
)


def as_the_previous_version_made_them() -> MetaData:
    """The orchestrator's tables as the version before request_ids per caller declared
    them: today's, with the request_id unique on its own where the pair is now."""
    before = MetaData()
    for model in TABLES:
        model.__table__.to_metadata(before)  # type: ignore[attr-defined]
    for name, index in PER_CALLER.items():
        table = before.tables[name]
        table.indexes.remove(next(i for i in table.indexes if i.name == index))
    case = before.tables["orchestrator_case"]
    Index("ix_orchestrator_case_request_id", case.c.request_id, unique=True)
    change = before.tables["orchestrator_life_event"]
    change.append_constraint(UniqueConstraint(change.c.request_id))
    return before


@pytest.fixture
def earlier_database(database_url: str) -> dict[str, str]:
    """The previous version's tables holding Alice's case (request_id kept-1) and one change
    she reported on it (kept-change); returns their ids."""
    before = as_the_previous_version_made_them()
    engine = make_engine(database_url)
    application = example("okafor", "kept-1")
    normalise_state_code(application.household)
    case_id = ordered_id()
    now = dt.datetime.now(dt.UTC)
    answer = pb.ReportLifeEventResponse(case=pb.Case(case_id=case_id, request_id="kept-1"))
    try:
        before.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                insert(before.tables["orchestrator_case"]).values(
                    case_id=case_id,
                    request_id="kept-1",
                    opened_by="cw-alice",
                    claimed_by="",
                    request_fingerprint=apply.fingerprint(application),
                    status="CASE_STATUS_DETERMINED",
                    plan_year=2026,
                    programs=",".join(det.Program.Name(p) for p in application.programs),
                    household=application.household.SerializeToString(deterministic=True),
                    created_at=now,
                    updated_at=now,
                    offered_programs="",
                    notice_revision=0,
                )
            )
            connection.execute(
                insert(before.tables["orchestrator_life_event"]).values(
                    id=41,
                    request_id="kept-change",
                    case_id=case_id,
                    fingerprint=report_change.fingerprint(case_id, CHANGE),
                    kind="LIFE_EVENT_KIND_INCOME_CHANGE",
                    effective_date=dt.date(2026, 11, 1),
                    reported_by="cw-alice",
                    at=now,
                    answer=answer.SerializeToString(),
                )
            )
    finally:
        engine.dispose()
    return {"case_id": case_id}


def _uniques(connection, table: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The column lists the table is unique on, by constraint or index."""
    inspector = inspect(connection)
    found = [u["column_names"] for u in inspector.get_unique_constraints(table)]
    found += [i["column_names"] for i in inspector.get_indexes(table) if i["unique"]]
    return found


async def test_an_earlier_database_keeps_its_callers_retries_and_takes_others_request_ids(
    earlier_database, coordination, database_url
) -> None:  # type: ignore[no-untyped-def]
    kept = earlier_database["case_id"]
    alice = coordination.stub_as("cw-alice")
    bob = coordination.stub_as("cw-bob")

    # Opened (the coordination fixture did): request_ids are unique per caller.
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert _uniques(connection, "orchestrator_case") == [["opened_by", "request_id"]]
            assert _uniques(connection, "orchestrator_life_event") == [
                ["reported_by", "request_id"]
            ]
            assert inspect(connection).get_foreign_keys("orchestrator_life_event")
            # The rebuilt change table kept its row, id and all.
            table = MetaData()
            table.reflect(connection, only=["orchestrator_life_event"])
            change_rows = table.tables["orchestrator_life_event"]
            assert connection.execute(select(change_rows.c.id, change_rows.c.case_id)).all() == [
                (41, kept)
            ]
        assert schema_upgrade.upgrade(engine) == []
    finally:
        engine.dispose()

    # Alice's retries are answered as before.
    application = example("okafor", "kept-1")
    assert (await alice.SubmitApplication(application)).case.case_id == kept
    retried = await alice.ReportLifeEvent(
        pb.ReportLifeEventRequest(request_id="kept-change", case_id=kept, event=CHANGE)
    )
    assert retried.case.case_id == kept
    shown = (await alice.GetCase(pb.GetCaseRequest(case_id=kept))).case
    assert not [e for e in shown.history if e.kind == pb.CASE_EVENT_KIND_LIFE_EVENT]

    # Bob's same request_ids are his own.
    his = (await bob.SubmitApplication(application)).case
    assert his.case_id != kept
    member = his.household.members[0].person_id
    changed = await bob.ReportLifeEvent(
        pb.ReportLifeEventRequest(
            request_id="kept-change",
            case_id=his.case_id,
            event=le.LifeEvent(
                kind=CHANGE.kind, effective_date=CHANGE.effective_date, person_id=member
            ),
        )
    )
    assert changed.case.case_id == his.case_id

    # The database itself refuses a second case or change for one caller's request_id.
    db = coordination.orchestrator_db
    case_rows = CaseRow.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as connection:
        stored = connection.execute(select(case_rows).where(case_rows.c.case_id == kept)).one()
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(insert(case_rows).values({**stored._mapping, "case_id": ordered_id()}))
    change_table = LifeEventRow.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as connection:
        first = connection.execute(
            select(change_table).where(change_table.c.reported_by == "cw-bob")
        ).one()
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        row = {k: v for k, v in first._mapping.items() if k != "id"}
        connection.execute(insert(change_table).values(row))


WORKERS = 4


def test_workers_opening_an_earlier_database_at_once_all_start(
    earlier_database, database_url
) -> None:  # type: ignore[no-untyped-def]
    """Several orchestrator workers open one database as they start: the upgrade is done
    once, by whichever comes first, and none of them fails on what the other made."""

    def open_it(go: Callable[[], None]) -> list[str]:
        engine = make_engine(database_url)
        try:
            go()
            return schema_upgrade.upgrade(engine)
        finally:
            engine.dispose()

    done, failed = at_once(WORKERS, open_it)
    assert not failed, failed
    assert sorted(bool(changed) for changed in done) == [False] * (WORKERS - 1) + [True]
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert _uniques(connection, "orchestrator_case") == [["opened_by", "request_id"]]
            assert _uniques(connection, "orchestrator_life_event") == [
                ["reported_by", "request_id"]
            ]
    finally:
        engine.dispose()
