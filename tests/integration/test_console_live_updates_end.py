"""A case's live updates end with the sign-in that opened them: a stream admitted before
its caseworker signed out tells nothing more afterwards, and says why it ended.

The whole stack runs as `elig up` runs it, with the console in its own process; the
caseworker changes the case again from a new sign-in, as someone who signed out on one
computer and in on another would.
"""

from __future__ import annotations

import http.client
import queue
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.cli.stack import Stack, free_ports, running_stack
from services.console.sessions import COOKIE
from tests.integration.test_console_hostile_input import Client, _submit_sample

CASEWORKER = "cw-live-ends"


@pytest.fixture
def console() -> Iterator[tuple[Stack, int]]:
    with tempfile.TemporaryDirectory(prefix="elig-console-live-") as folder:
        stack = Stack.on_free_ports(Path(folder))
        with running_stack(stack):
            url = stack.start_console(free_ports(1)[0])
            yield stack, int(url.rsplit(":", 1)[1])


def _events(port: int, cookie: str, case_id: str, after: int, out: queue.Queue[str]) -> None:
    """Reads the case's event stream, putting each event's name on ``out``; "END" when
    the console closes it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(
            "GET",
            f"/cases/{case_id}/events",
            headers={"Cookie": f"{COOKIE}={cookie}", "Last-Event-ID": str(after)},
        )
        reply = connection.getresponse()
        out.put(f"STATUS {reply.status}")
        for raw in reply:
            line = raw.decode("utf-8").strip()
            if line.startswith("event: "):
                out.put(line.removeprefix("event: "))
    finally:
        connection.close()
        out.put("END")


def _last_sequence(stack: Stack, case_id: str) -> int:
    channel = stack.channel("orchestrator", caseworker=CASEWORKER)
    try:
        case = pb_grpc.CoordinationServiceStub(channel).GetCase(
            pb.GetCaseRequest(case_id=case_id), timeout=60
        )
    finally:
        channel.close()
    return max(event.sequence for event in case.case.history)


def _income_change(client: Client, case_id: str) -> None:
    fields = [
        ("event.kind", "income_change"),
        ("event.effective_date", "2026-12-01"),
        ("event.person_id", "p1"),
        ("event.incomes[0].annual_amount_cents", "4100000"),
        ("request_id", f"live-ends-{client.csrf[:8]}"),
        ("csrf_token", client.csrf),
    ]
    reply = client.send("POST", f"/cases/{case_id}/life-event", fields)
    assert reply.status in (200, 303), reply.body[:2000]


def test_a_stream_opened_before_signing_out_tells_nothing_after(
    console: tuple[Stack, int],
) -> None:
    stack, port = console
    first = Client(port)
    first.sign_in(CASEWORKER)
    case_id = _submit_sample(first)
    seen: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(
        target=_events,
        args=(port, first.cookie, case_id, _last_sequence(stack, case_id), seen),
        daemon=True,
    )
    reader.start()
    assert seen.get(timeout=60) == "STATUS 200"  # admitted while signed in

    assert first.send("POST", "/signout", [("csrf_token", first.csrf)]).status == 303
    second = Client(port)
    second.sign_in(CASEWORKER)
    _income_change(second, case_id)

    told = []
    while (name := seen.get(timeout=120)) != "END":
        told.append(name)
    assert told == ["signedout"]
