"""The orchestrator as two worker processes on one port over PostgreSQL: both answer, a
worker that dies is started again, SIGTERM stops them all; on SQLite it refuses to start."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from pathlib import Path

import pytest

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.cli.stack import Stack, StackError, running_stack
from services.harness.households import example_paths, load_request
from shared.workers import ALL_LISTENING

pytestmark = pytest.mark.e2e

TWO_WORKERS = {"ELIG_ORCHESTRATOR_WORKERS": "2"}
CONNECTIONS = 24


def _workers(supervisor: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{supervisor}/task").iterdir():
        found |= {int(pid) for pid in (task / "children").read_text().split()}
    return found


def _alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f"/proc/{pid}").exists()}


def _wait_for_workers(supervisor: int, count: int, not_in: set[int] = frozenset()) -> set[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = _workers(supervisor)
        if len(workers) == count and not workers & not_in:
            return workers
        time.sleep(0.2)
    raise AssertionError(f"expected {count} workers, have {_workers(supervisor)}")


async def _apply(stack: Stack, connections: int) -> list[str]:
    """One application per connection, each connection its own, so both workers get some."""
    template = load_request(example_paths()[0])
    channels = [
        stack.aio_channel("orchestrator", options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range(connections)
    ]
    try:

        async def one(channel) -> str:  # type: ignore[no-untyped-def]
            request = pb.SubmitApplicationRequest()
            request.CopyFrom(template)
            request.request_id = str(uuid.uuid4())
            reply = await pb_grpc.CoordinationServiceStub(channel).SubmitApplication(
                request, timeout=60
            )
            return reply.case.case_id

        return list(await asyncio.gather(*(one(c) for c in channels)))
    finally:
        for channel in channels:
            await channel.close()


def _served_by(stack: Stack) -> set[int]:
    """The workers whose log lines show a SubmitApplication answered."""
    served = set()
    for line in stack.log_tail("orchestrator", 10_000_000).splitlines():
        if line.startswith("{") and "SubmitApplication" in line:
            entry = json.loads(line)
            if entry.get("event") == "rpc" and entry.get("code") == "OK":
                served.add(entry.get("worker"))
    return served


@pytest.mark.postgres
async def test_two_workers_share_the_port_and_come_back_when_killed(
    tmp_path: Path, postgres_urls: dict[str, str]
) -> None:
    stack = Stack.on_free_ports(tmp_path, database_urls=postgres_urls, extra_env=TWO_WORKERS)
    with running_stack(stack):
        supervisor = stack.processes["orchestrator"].pid
        # Connections made before the second worker listens would all go to the first.
        await asyncio.to_thread(stack.wait_log, "orchestrator", ALL_LISTENING)
        first = _wait_for_workers(supervisor, 2)
        cases = await _apply(stack, CONNECTIONS)
        assert len(set(cases)) == CONNECTIONS
        # The kernel places each connection: all on one worker is a chance of 2^-23.
        assert _served_by(stack) == {0, 1}

        victim = min(first)
        logged = stack.log_size("orchestrator")
        os.kill(victim, signal.SIGKILL)
        await asyncio.to_thread(stack.wait_log, "orchestrator", ALL_LISTENING, logged)
        _wait_for_workers(supervisor, 2, not_in={victim})
        assert len(set(await _apply(stack, 4))) == 4

        workers = _workers(supervisor)
        code = stack.stop_one("orchestrator")
    assert code == 0
    assert not _alive(workers)


def test_several_workers_on_sqlite_refuse_to_start(tmp_path: Path) -> None:
    stack = Stack.on_free_ports(tmp_path, extra_env=TWO_WORKERS)
    with pytest.raises(StackError, match="several workers need PostgreSQL"), running_stack(stack):
        pass
