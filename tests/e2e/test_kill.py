"""kill -9 under load: Treasury, then the orchestrator, die mid-load and come back, on
SQLite and PostgreSQL. No acknowledged application may be lost, none duplicated.

Counted per run (printed, `-s` shows the line):
- sent: applications (distinct request_ids) the clients sent;
- acknowledged: those that got an answer during the load;
- lost: acknowledged but not stored, or never answerable (sent again with the same
  request_id once everything is back, still no answer);
- duplicated: a request_id with two stored cases, or answered with two case ids.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.cli.stack import Stack, running_stack
from services.harness.households import example_paths, load_request
from shared.db import make_engine
from tests.e2e.load_ledger import Ledger, client, submit

pytestmark = pytest.mark.e2e

CLIENTS = 4
# Acknowledged applications between one event and the next.
ACKS_PER_PHASE = 8
PHASE_TIMEOUT_S = 20.0
# How long a client keeps retrying one application.
RETRY_FOR_S = 20.0


def _kill(stack: Stack, name: str) -> None:
    process = stack.processes.pop(name)
    process.kill()
    process.wait()


async def _restart(stack: Stack, name: str) -> None:
    stack.start_one(name)
    await asyncio.to_thread(stack.wait_serving, name, 30.0)


# Agency requests on the audit trail with no outcome after them: sent by an orchestrator
# that died before it could record the answer.
_UNANSWERED = """
SELECT count(*) FROM (
  SELECT case_id FROM orchestrator_audit_log
  WHERE actor_service IN ('ssa', 'treasury', 'hhs', 'usda')
  GROUP BY case_id, actor_service, subject_ref, purpose
  HAVING sum(CASE WHEN outcome = 'REQUESTED' THEN 1 ELSE 0 END)
       > sum(CASE WHEN outcome IN ('DISCLOSED', 'FAILED') THEN 1 ELSE 0 END)
) AS unanswered
"""


def _stored(stack: Stack, url: str | None) -> tuple[dict[str, list[str]], dict[str, int]]:
    """request_id -> case ids stored for it; and figures worth printing."""
    engine = make_engine(url or f"sqlite:///{stack.data_dir / 'orchestrator.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT request_id, case_id, status FROM orchestrator_case"))
            cases: dict[str, list[str]] = {}
            pending = 0
            for request_id, case_id, status in rows:
                cases.setdefault(request_id, []).append(case_id)
                pending += status == "CASE_STATUS_PENDING_VERIFICATION"
            unanswered = conn.execute(text(_UNANSWERED)).scalar_one()
            return cases, {"pending_cases": pending, "unanswered_agency_requests": unanswered}
    finally:
        engine.dispose()


async def test_kill_9_of_treasury_and_the_orchestrator_under_load_loses_and_duplicates_nothing(
    tmp_path: Path, database_urls: dict[str, str]
) -> None:
    templates = [load_request(path) for path in example_paths()]
    # A short cool-down, so Treasury is called again soon after it is back.
    stack = Stack.on_free_ports(
        tmp_path, database_urls=database_urls, extra_env={"ELIG_BREAKER_COOLDOWN_SECONDS": "2"}
    )
    ledger = Ledger()
    started = time.monotonic()
    with running_stack(stack):
        async with stack.aio_channel("orchestrator") as channel:
            stub = pb_grpc.CoordinationServiceStub(channel)
            stop = asyncio.Event()
            clients = [
                asyncio.create_task(client(n, stub, templates, ledger, stop, RETRY_FOR_S))
                for n in range(CLIENTS)
            ]
            try:
                # Early, while most households' incomes are still to be verified.
                await ledger.wait_for_acks(1, PHASE_TIMEOUT_S)
                in_flight_at_kill = {"treasury": ledger.in_flight}
                _kill(stack, "treasury")
                await ledger.wait_for_acks(ledger.acknowledged + ACKS_PER_PHASE, PHASE_TIMEOUT_S)
                await _restart(stack, "treasury")
                await ledger.wait_for_acks(ledger.acknowledged + ACKS_PER_PHASE, PHASE_TIMEOUT_S)
                in_flight_at_kill["orchestrator"] = ledger.in_flight
                _kill(stack, "orchestrator")
                await asyncio.sleep(0.5)  # the clients meet the dead orchestrator
                await _restart(stack, "orchestrator")
                await ledger.wait_for_acks(ledger.acknowledged + ACKS_PER_PHASE, PHASE_TIMEOUT_S)
            finally:
                stop.set()
                await asyncio.gather(*clients)

            # Everything is back: every application sent must now be answerable, with the
            # case it was first answered with.
            answerable: dict[str, str | None] = {}
            for request_id, request in ledger.sent.items():
                answerable[request_id] = await submit(
                    stub, request, Ledger(), time.monotonic() + RETRY_FOR_S
                )
            async with stack.aio_channel("orchestrator", "au-1", "auditor") as audit_channel:
                verified = await pb_grpc.CoordinationServiceStub(audit_channel).VerifyAuditLog(
                    pb.VerifyAuditLogRequest(), timeout=30
                )

    stored, figures = _stored(stack, database_urls.get("orchestrator"))
    sent = len(ledger.sent)
    acknowledged = ledger.acknowledged
    lost = sum(
        1
        for request_id in ledger.sent
        if answerable[request_id] is None
        or (
            request_id in ledger.answers
            and ledger.answers[request_id][0] not in stored.get(request_id, [])
        )
    )
    duplicated = sum(
        1
        for request_id in ledger.sent
        if len(stored.get(request_id, [])) > 1
        or len({*ledger.answers.get(request_id, []), answerable[request_id] or ""} - {""}) > 1
    )
    engine = "postgres" if database_urls else "sqlite"
    print(
        f"\nkill test [{engine}]: sent={sent} acknowledged={acknowledged} lost={lost} "
        f"duplicated={duplicated} client_retries={ledger.retries} "
        f"errors={dict(ledger.errors)} in_flight_at_kill={in_flight_at_kill} "
        f"stored_cases={sum(map(len, stored.values()))} "
        + " ".join(f"{name}={value}" for name, value in figures.items())
        + f" seconds={time.monotonic() - started:.1f}"
    )
    assert sent > 3 * ACKS_PER_PHASE
    assert lost == 0
    assert duplicated == 0
    assert set(stored) == set(ledger.sent), "every application sent is stored, and nothing else"
    assert verified.ok, verified.message
