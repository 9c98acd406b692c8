"""Deaths reported to SSA by vital records: recorded once per request, shown by identity
checks, and streamed to the orchestrator in order, from where it left off, including
reports recorded by another SSA server on the same database. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from eligibility.common.v1 import date_pb2, household_pb2
from eligibility.ssa.v1 import identity_pb2 as pb
from eligibility.ssa.v1 import identity_pb2_grpc as pb_grpc
from services.cli.main import app as elig
from services.cli.targets import write_targets
from services.ssa import server as ssa_server
from services.ssa.tables import AUDIT, TABLES
from shared.db import Database
from shared.errors import details_of
from shared.tls import VITAL_RECORDS

RIVERA = {
    "412558301": ("Maria", 1989, 3, 14),
    "412558302": ("Jose", 1986, 11, 2),
    "412558303": ("Sofia", 2015, 6, 21),
}
# How long a test waits for a report it expects; never reached when all is well.
PATIENCE = 20


def _date(y: int, m: int, d: int) -> date_pb2.Date:
    return date_pb2.Date(year=y, month=m, day=d)


def _death(request_id: str, ssn: str, day: int = 1) -> pb.RecordDeathRequest:
    return pb.RecordDeathRequest(
        request_id=request_id, ssn=ssn, death_date=_date(2026, 11, day), reported_by="TX EDRS"
    )


@pytest.fixture
async def vital(coordination) -> AsyncIterator[Any]:  # type: ignore[no-untyped-def]
    async with coordination.agencies["ssa"].channel(as_identity=VITAL_RECORDS) as channel:
        yield pb_grpc.IdentityServiceStub(channel)


@pytest.fixture
async def ssa(coordination) -> AsyncIterator[Any]:  # type: ignore[no-untyped-def]
    async with coordination.agencies["ssa"].channel() as channel:
        yield pb_grpc.IdentityServiceStub(channel)


async def _verify(ssa: Any, ssn: str) -> pb.IdentityResult:
    given, y, m, d = RIVERA[ssn]
    reply = await ssa.VerifyIdentity(
        pb.VerifyIdentityRequest(
            request_id="v",
            purpose="eligibility-determination",
            case_id="c",
            people=[
                pb.IdentityQuery(
                    person_id="p",
                    ssn=ssn,
                    name=household_pb2.PersonName(given=given, family="Rivera"),
                    birth_date=_date(y, m, d),
                )
            ],
        )
    )
    return reply.results[0]


async def test_a_recorded_death_shows_in_identity_checks_and_a_retry_is_the_same_report(
    vital, ssa, coordination
) -> None:  # type: ignore[no-untyped-def]
    assert not (await _verify(ssa, "412558301")).death_indicator
    first = (await vital.RecordDeath(_death("edrs-1", "412558301"))).report
    again = (await vital.RecordDeath(_death("edrs-1", "412558301"))).report
    assert first == again
    assert first.sequence >= 1 and first.ssn == "412558301"
    shown = await _verify(ssa, "412558301")
    assert shown.death_indicator and shown.death_date == _date(2026, 11, 1)
    # Another reporter of the same death adds no report.
    other = (await vital.RecordDeath(_death("family-1", "412558301"))).report
    assert other.sequence == first.sequence
    with coordination.databases["ssa"].session() as session:
        entries = [e for e in session.exec(select(AUDIT.entry)) if e.facts == '["identity.death"]']
        assert [(e.actor_service, e.outcome) for e in entries] == [(VITAL_RECORDS, "RECEIVED")] * 3
        assert all("412558301" not in e.detail for e in entries)


async def test_bad_or_unknown_deaths_are_refused_plainly(vital) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (
            pb.RecordDeathRequest(ssn="12", death_date=_date(2030, 1, 1)),
            grpc.StatusCode.INVALID_ARGUMENT,
            {"request_id", "ssn", "death_date"},
        ),
        (_death("x-1", "412558399"), grpc.StatusCode.NOT_FOUND, set()),
        (
            pb.RecordDeathRequest(request_id="x-2", ssn="412558304", death_date=_date(2018, 1, 1)),
            grpc.StatusCode.INVALID_ARGUMENT,
            {"death_date"},
        ),
    ]
    for request, code, fields in cases:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await vital.RecordDeath(request)
        info = details_of(caught.value)
        assert info.code == code, request
        assert fields <= {v.field for v in info.violations}
        assert "412558399" not in info.message
    await vital.RecordDeath(_death("x-3", "412558302"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await vital.RecordDeath(_death("x-3", "412558303"))
    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def _next(stream: Any) -> pb.DeathReport:
    reply = await asyncio.wait_for(stream.read(), PATIENCE)
    assert reply is not grpc.aio.EOF
    return reply.report


async def test_the_feed_resumes_after_a_sequence_and_brings_deaths_recorded_later(
    vital, ssa, coordination, serve, database_url, clock
) -> None:  # type: ignore[no-untyped-def]
    first = (await vital.RecordDeath(_death("a", "412558301"))).report
    second = (await vital.RecordDeath(_death("b", "412558302"))).report
    stream = ssa.WatchDeathReports(pb.WatchDeathReportsRequest(after_sequence=first.sequence))
    assert await _next(stream) == second
    # Recorded by this server while the stream is open.
    third = (await vital.RecordDeath(_death("c", "412558303"))).report
    assert await _next(stream) == third
    # Recorded by a second SSA server on the same database: found by polling.
    replica_db = Database(database_url, TABLES)
    replica = await serve(ssa_server.bindings(replica_db, clock, coordination.keys.subject_key()))
    async with replica.channel(as_identity=VITAL_RECORDS) as channel:
        fourth = (
            await pb_grpc.IdentityServiceStub(channel).RecordDeath(_death("d", "256407711"))
        ).report
    assert await _next(stream) == fourth
    assert [first.sequence, second.sequence, third.sequence, fourth.sequence] == sorted(
        {first.sequence, second.sequence, third.sequence, fourth.sequence}
    )
    stream.cancel()
    replica_db.dispose()
    # Each report sent was audited as disclosed to the orchestrator.
    with coordination.databases["ssa"].session() as session:
        sent = [
            e.detail
            for e in session.exec(select(AUDIT.entry))
            if e.outcome == "DISCLOSED" and e.actor_service == "orchestrator"
        ]
    assert sent == [f"death report {r.sequence}" for r in (second, third, fourth)]


async def test_a_negative_sequence_is_refused(ssa) -> None:  # type: ignore[no-untyped-def]
    stream = ssa.WatchDeathReports(pb.WatchDeathReportsRequest(after_sequence=-1))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stream.read()
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_elig_ssa_record_death_reports_as_vital_records(coordination, ssa) -> None:  # type: ignore[no-untyped-def]
    handle = coordination.agencies["ssa"]
    args = ["--data-dir", str(handle.credentials), "ssa", "record-death"]
    args += ["--ssn", "412558303", "--date", "2026-11-02", "--target", handle.target]
    result = await asyncio.to_thread(CliRunner().invoke, elig, [*args, "--request-id", "cli-1"])
    assert result.exit_code == 0, result.output
    assert "report 1" in result.output and "412558303" not in result.output
    assert (await _verify(ssa, "412558303")).death_date == _date(2026, 11, 2)
    bad = await asyncio.to_thread(
        CliRunner().invoke,
        elig,
        [*args[:4], "--ssn", "412558399", "--date", "2026-11-02", "--target", handle.target],
    )
    assert bad.exit_code == 2 and "NOT_FOUND" in bad.output


async def test_elig_ssa_record_death_finds_ssa_where_elig_up_wrote_it(  # type: ignore[no-untyped-def]
    coordination, ssa, tmp_path
) -> None:
    """A stack on free ports: no --target, SSA's address read from targets.json."""
    data = tmp_path / "data"
    shutil.copytree(coordination.agencies["ssa"].credentials, data)
    write_targets(data, {"ssa": coordination.agencies["ssa"].target})
    args = ["--data-dir", str(data), "ssa", "record-death", "--ssn", "412558302"]
    result = await asyncio.to_thread(
        CliRunner().invoke, elig, [*args, "--date", "2026-11-03"], env={"ELIG_SSA_TARGET": None}
    )
    assert result.exit_code == 0, result.output
    assert (await _verify(ssa, "412558302")).death_date == _date(2026, 11, 3)
