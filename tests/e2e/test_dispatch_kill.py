"""kill -9 of the orchestrator while its dispatcher delivers change notices, on SQLite and
PostgreSQL: every notice still reaches its agency (0 lost) and no agency applies one twice.

200 notices (five cases, ten changes each, every agency told of each) wait in the outbox
while the orchestrator is down, after the cases' own notices of their applications (to HHS
and USDA) were delivered; it starts, and is killed -9 once some are acknowledged
and others are in flight; it starts again, and the test waits until every notice is
acknowledged. Then it counts at the agencies themselves (their received-change tables
and audit logs):
- received: distinct idempotency keys an agency holds; lost = sent - received;
- applied_twice: first receipts (the agency acted) beyond one per notice, from each
  agency's audit log, where a repeat delivery is written as a duplicate;
- duplicates_absorbed: notices the restarted dispatcher sent again that the agency had
  already received (acknowledged as duplicate, nothing done again).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import grpc
import pytest
from sqlalchemy import text

from eligibility.common.v1 import life_event_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.cli.stack import Stack, running_stack
from services.orchestrator.adapters.tables import TABLES
from shared.db import Database, make_engine
from tests.integration.notices import (
    AGENCIES,
    enqueue,
    every_agency,
    open_case,
)

pytestmark = pytest.mark.e2e

STEMS = ("rivera", "okafor", "chen", "kowalski", "johnson")
CHANGES = [f"change-{n}" for n in range(10)]
# Acknowledged notices before the kill: enough that the dispatcher is well under way.
KILL_AFTER = 40
WAIT_S = 120.0


def _url(stack: Stack, urls: dict[str, str], name: str) -> str:
    return urls.get(name) or f"sqlite:///{stack.data_dir / f'{name}.db'}"


def _outbox(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Notices by state, and those claimed but not settled (in flight)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT state, claimed_by <> '' AS held, count(*) FROM orchestrator_outbox GROUP BY 1, 2"
            )
        ).all()
    out: dict[str, int] = {}
    for state, held, count in rows:
        out[state] = out.get(state, 0) + count
        if state == "PENDING" and held:
            out["in_flight"] = out.get("in_flight", 0) + count
    return out


async def _wait_for(engine, acknowledged: int, in_flight_unless: int = 0) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Until ``acknowledged`` notices are. With ``in_flight_unless``, also until others are
    out (claimed, not settled), or, as a claim may begin and end between two looks, until
    ``in_flight_unless`` are acknowledged, whichever comes first."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        seen = await asyncio.to_thread(_outbox, engine)
        done = seen.get("ACKNOWLEDGED", 0)
        out = not in_flight_unless or seen.get("in_flight", 0) > 0 or done >= in_flight_unless
        if done >= acknowledged and out:
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"only {seen} after {WAIT_S:.0f}s")


def _applications(engine) -> list[tuple[str, life_event_pb2.ChangeNotice]]:  # type: ignore[no-untyped-def]
    """The notices the new cases wrote themselves (APPLIED), as (agency, notice)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT agency, notice FROM orchestrator_outbox")).all()
    return [(agency, life_event_pb2.ChangeNotice.FromString(raw)) for agency, raw in rows]


def _agency_counts(url: str, agency: str) -> tuple[set[str], int, int]:
    """(keys received, first receipts audited, repeat receipts audited)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            keys = set(
                conn.execute(
                    text(f"SELECT idempotency_key FROM {agency}_received_change")
                ).scalars()
            )
            first, repeat = conn.execute(
                text(
                    f"SELECT sum(CASE WHEN detail LIKE '%duplicate%' THEN 0 ELSE 1 END),"
                    f" sum(CASE WHEN detail LIKE '%duplicate%' THEN 1 ELSE 0 END)"
                    f" FROM {agency}_audit_log WHERE outcome = 'RECEIVED'"
                )
            ).one()
            return keys, int(first or 0), int(repeat or 0)
    finally:
        engine.dispose()


async def test_kill_9_of_the_dispatcher_mid_delivery_loses_no_notice_and_applies_none_twice(
    tmp_path: Path, database_urls: dict[str, str]
) -> None:
    stack = Stack.on_free_ports(
        tmp_path,
        database_urls=database_urls,
        extra_env={
            # Claims of the killed process lapse soon, so the test need not wait long.
            "ELIG_ORCHESTRATOR_DOWNSTREAM_TIMEOUT_SECONDS": "1",
            "ELIG_ORCHESTRATOR_DISPATCH_LEASE_SECONDS": "3",
            "ELIG_ORCHESTRATOR_DISPATCH_INTERVAL_SECONDS": "0.2",
            "ELIG_ORCHESTRATOR_DISPATCH_MAX_BACKOFF_SECONDS": "2",
        },
    )
    started = time.monotonic()
    orchestrator_url = _url(stack, database_urls, "orchestrator")
    with running_stack(stack):
        notices = []
        async with stack.aio_channel("orchestrator") as channel:
            stub = pb_grpc.CoordinationServiceStub(channel)
            for stem in STEMS:
                case, members = await open_case(stub, stem, stem)
                notices += every_agency(case, members, CHANGES)
            # The cases' own notices (their applications, to HHS and USDA) delivered first.
            watcher = Database(orchestrator_url, TABLES)
            try:
                applied = await asyncio.to_thread(_applications, watcher.engine)
                assert applied and {n.kind for _, n in applied} == {
                    life_event_pb2.LIFE_EVENT_KIND_APPLIED
                }
                await _wait_for(watcher.engine, len(applied))
            finally:
                watcher.dispose()
            # A watch open when the orchestrator is stopped (SIGTERM) ends cleanly.
            watch = stub.WatchCase(pb.WatchCaseRequest(case_id=case.case_id), timeout=30)
            assert (await watch.read()).event.kind == pb.CASE_EVENT_KIND_APPLIED
            stack.stop_one("orchestrator")
            # The agencies' answers to the application's notices, then the end.
            rest = []
            while (update := await watch.read()) is not grpc.aio.EOF:
                rest.append(update.event.kind)
            assert set(rest) <= {pb.CASE_EVENT_KIND_ACKNOWLEDGED}, rest
            assert await watch.code() == grpc.StatusCode.OK
        db = Database(orchestrator_url, TABLES)
        try:
            enqueue(db, notices, dt.datetime.now(dt.UTC))
            stack.start_one("orchestrator")
            await asyncio.to_thread(stack.wait_serving, "orchestrator", 30.0)
            # Counted after the applications' notices, acknowledged before the stop.
            before = len(applied)
            at_kill = await _wait_for(
                db.engine, before + KILL_AFTER, in_flight_unless=before + 3 * KILL_AFTER
            )
            process = stack.processes.pop("orchestrator")
            process.kill()
            process.wait()
            after_kill = await asyncio.to_thread(_outbox, db.engine)
            stack.start_one("orchestrator")
            await asyncio.to_thread(stack.wait_serving, "orchestrator", 30.0)
            settled = await _wait_for(db.engine, len(notices) + len(applied))
            with db.engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT attempts, acknowledgement FROM orchestrator_outbox")
                ).all()
        finally:
            db.dispose()

    resent = sum(1 for attempts, _ in rows if attempts > 1)
    duplicates_absorbed = sum(
        1
        for _, raw in rows
        if life_event_pb2.ChangeAcknowledgement.FromString(raw or b"").duplicate
    )
    sent = {n.idempotency_key for _, n in notices + applied}
    received: set[str] = set()
    applied_twice = repeats_audited = 0
    first_receipts: dict[str, tuple[int, int]] = {}
    for agency in AGENCIES:
        keys, first, repeat = _agency_counts(_url(stack, database_urls, agency), agency)
        received |= keys
        named = sum(len([s for s in n.subjects if s.ssn]) for a, n in notices if a == agency)
        # HHS and USDA are told of an application's members by person id: one receipt each.
        named += sum(len(n.subjects) for a, n in applied if a == agency)
        first_receipts[agency] = (first, named)
        applied_twice += max(0, first - named)
        repeats_audited += repeat
    lost = len(sent - received)
    engine = "postgres" if database_urls else "sqlite"
    print(
        f"\ndispatch kill test [{engine}]: notices={len(notices)} "
        f"acknowledged_at_kill={after_kill.get('ACKNOWLEDGED', 0)} "
        f"in_flight_at_kill={at_kill.get('in_flight', 0)} resent_after_restart={resent} "
        f"received={len(received & sent)} lost={lost} applied_twice={applied_twice} "
        f"duplicates_absorbed={duplicates_absorbed} "
        f"repeat_receipts_audited={repeats_audited} final={settled} "
        f"seconds={time.monotonic() - started:.1f}"
    )
    assert at_kill.get("ACKNOWLEDGED", 0) < len(notices) + len(applied), "killed after the last"
    assert settled.get("ACKNOWLEDGED") == len(notices) + len(applied)
    assert lost == 0
    assert applied_twice == 0
    assert all(first == named for first, named in first_receipts.values()), first_receipts
    assert received == sent
    # A notice re-sent after the crash is absorbed (or was never received before it).
    assert duplicates_absorbed <= resent
