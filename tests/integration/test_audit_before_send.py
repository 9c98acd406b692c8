"""Each agency request is on the orchestrator's audit trail before it is sent, so a
failure after an agency answered never leaves the exchange unrecorded; on SQLite and
PostgreSQL, with faults injected into the orchestrator's own database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import pytest
from sqlalchemy import event

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request

MARIA_SSN = "412558301"
AGENCIES = {"ssa", "treasury", "hhs", "usda"}


class InjectedFault(RuntimeError):
    pass


@contextmanager
def failing(db: Any, when: Callable[[str, Any], bool]) -> Iterator[None]:
    """Make the orchestrator's database refuse the statements ``when`` picks: the save
    step failing as a full disk or a lost connection would make it fail."""

    def refuse(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if when(statement, parameters):
            raise InjectedFault("injected")

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)


def _inserts_into(table: str) -> Callable[[str, Any], bool]:
    # Anywhere in the statement: on PostgreSQL an audit append's INSERT follows the WITH
    # clause that moves the head.
    return lambda statement, _: f"INSERT INTO {table}" in statement.upper()


def _rivera(request_id: str) -> pb.SubmitApplicationRequest:
    return load_request(next(p for p in example_paths() if "rivera" in p.name), request_id)


async def _report(coordination) -> list[pb.Disclosure]:  # type: ignore[no-untyped-def]
    reply = await coordination.stub_as("sv-1", "supervisor").GetDisclosureReport(
        pb.GetDisclosureReportRequest(ssn=MARIA_SSN)
    )
    return [d for d in reply.disclosures if d.actor_service in AGENCIES]


async def _chain_ok(coordination) -> bool:  # type: ignore[no-untyped-def]
    return (
        await coordination.stub_as("au-1", "auditor").VerifyAuditLog(pb.VerifyAuditLogRequest())
    ).ok


async def test_each_agency_request_is_recorded_before_the_disclosure_it_led_to(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    await coordination.orchestrator.SubmitApplication(_rivera("rivera-before"))
    entries = await _report(coordination)
    for agency in AGENCIES:
        outcomes = [(d.outcome, d.seq) for d in entries if d.actor_service == agency]
        assert [o for o, _ in outcomes] == ["REQUESTED", "DISCLOSED"], agency
        assert outcomes[0][1] < outcomes[1][1]
    assert await _chain_ok(coordination)


async def test_a_failed_save_leaves_every_request_and_answer_on_record(coordination) -> None:  # type: ignore[no-untyped-def]
    with (
        failing(coordination.orchestrator_db, _inserts_into("ORCHESTRATOR_CASE")),
        pytest.raises(grpc.aio.AioRpcError) as caught,
    ):
        await coordination.orchestrator.SubmitApplication(_rivera("rivera-save-fails"))
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    listed = await coordination.orchestrator.ListCases(pb.ListCasesRequest())
    assert list(listed.cases) == []
    entries = await _report(coordination)
    assert {d.actor_service for d in entries if d.outcome == "REQUESTED"} == AGENCIES
    # The answers came back before the save failed: they are recorded on their own.
    assert {d.actor_service for d in entries if d.outcome == "DISCLOSED"} == AGENCIES
    assert len({d.case_id for d in entries}) == 1
    assert await _chain_ok(coordination)


async def test_requests_stay_on_record_when_nothing_after_the_answers_can_be_written(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    """As if the orchestrator died once the agencies had answered."""

    def after_the_answers(statement: str, parameters: Any) -> bool:
        return _inserts_into("ORCHESTRATOR_CASE")(statement, parameters) or (
            _inserts_into("ORCHESTRATOR_AUDIT_LOG")(statement, parameters)
            and "DISCLOSED" in str(parameters)
        )

    with (
        failing(coordination.orchestrator_db, after_the_answers),
        pytest.raises(grpc.aio.AioRpcError),
    ):
        await coordination.orchestrator.SubmitApplication(_rivera("rivera-crash"))
    entries = await _report(coordination)
    assert {d.actor_service for d in entries} == AGENCIES
    assert {d.outcome for d in entries} == {"REQUESTED"}
    assert sum(sum(r.calls.values()) for r in coordination.recorders.values()) == 4
    assert await _chain_ok(coordination)


async def test_no_agency_is_asked_when_its_request_cannot_be_recorded(coordination) -> None:  # type: ignore[no-untyped-def]
    with (
        failing(coordination.orchestrator_db, _inserts_into("ORCHESTRATOR_AUDIT_LOG")),
        pytest.raises(grpc.aio.AioRpcError) as caught,
    ):
        await coordination.orchestrator.SubmitApplication(_rivera("rivera-no-audit"))
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert sum(sum(r.calls.values()) for r in coordination.recorders.values()) == 0
    assert await _report(coordination) == []
    assert await _chain_ok(coordination)
