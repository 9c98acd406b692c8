"""An over-long request to the console is answered, not reset.

The console is started as `elig up` starts it (``python -m services.console``) on a free
port, with no stack behind it: every request here is answered before any page would ask
the orchestrator. Requests go over a raw socket, so the test sees exactly what comes back,
or that the connection was reset.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.cli.stack import free_ports
from services.console.http_protocol import MAX_HEAD_BYTES, head_refusal

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    chosen = free_ports(1)[0]
    with tempfile.TemporaryDirectory(prefix="elig-console-long-") as folder:
        env = {
            **os.environ,
            "ELIG_DATA_DIR": folder,
            "ELIG_CONSOLE_PORT": str(chosen),
            # Nothing listens there: no request in this file gets as far as a page.
            "ELIG_ORCHESTRATOR_TARGET": f"127.0.0.1:{free_ports(1)[0]}",
        }
        log = open(Path(folder) / "console.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [sys.executable, "-m", "services.console"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, (Path(folder) / "console.log").read_text()
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{chosen}/healthz", timeout=1):
                        break
                except OSError:
                    assert time.monotonic() < deadline, "the console did not start"
                    time.sleep(0.1)
            yield chosen
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()


def exchange(port: int, request: bytes, piece: int | None = None) -> bytes:
    """Send ``request`` (at once, or in ``piece``-byte packets as a network would deliver
    it) and read until the console closes; an OSError (reset, broken pipe) if it resets."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if piece is None:
            sock.sendall(request)
        else:
            for start in range(0, len(request), piece):
                sock.sendall(request[start : start + piece])
                time.sleep(0.002)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def get(target: bytes, headers: bytes = b"") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n"


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split(b" ", 2)[1])


LONG_URL = b"/cases?q=" + b"x" * 20_000


@pytest.mark.parametrize("piece", [None, 1460, 4096], ids=["one write", "mss", "4k"])
def test_a_20_kb_address_is_answered_414_however_it_arrives(port: int, piece: int | None) -> None:
    answer = exchange(port, get(LONG_URL), piece)
    assert status_of(answer) == 414
    assert b"connection: close" in answer.lower()
    assert answer.endswith(
        b"This address is too long for the console. "
        b"Go back and use the console's menu or search instead."
    )


def test_a_client_that_keeps_sending_still_reads_the_answer(port: int) -> None:
    # 200 KB: far past the point where the console refuses, so it must keep reading what
    # follows, or the kernel resets the connection and the client never sees the answer.
    answer = exchange(port, get(b"/cases?q=" + b"y" * 200_000), piece=8192)
    assert status_of(answer) == 414


def test_oversized_headers_are_answered_431(port: int) -> None:
    answer = exchange(port, get(b"/healthz", b"Cookie: c=" + b"z" * 20_000 + b"\r\n"), 1460)
    assert status_of(answer) == 431


def test_an_address_within_the_limit_is_served(port: int) -> None:
    # Just under the limit: the console's own answer (sign in first), not a refusal.
    target = b"/cases?q=" + b"x" * (MAX_HEAD_BYTES - 200)
    answer = exchange(port, get(target, b"Connection: close\r\n"), 1460)
    assert status_of(answer) == 303
    assert b"location: /signin" in answer.lower()


def test_an_unreadable_request_is_still_answered_400(port: int) -> None:
    answer = exchange(port, b"NOT HTTP AT ALL\r\n\r\n")
    assert status_of(answer) == 400


def test_the_console_serves_on_after_refusals(port: int) -> None:
    exchange(port, get(LONG_URL), 1460)
    answer = exchange(port, get(b"/healthz", b"Connection: close\r\n"))
    assert status_of(answer) == 200
    assert answer.endswith(b"ok")


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", None),
        (b"GET /" + b"a" * 100, None),  # unfinished, still short
        (b"GET /" + b"a" * MAX_HEAD_BYTES, 414),  # no end of the request line in sight
        (b"GET / HTTP/1.1\r\nCookie: " + b"c" * MAX_HEAD_BYTES, 431),
        # The whole head in one packet, ended, but past the limit: refused all the same.
        (b"GET /" + b"a" * MAX_HEAD_BYTES + b" HTTP/1.1\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nX: " + b"c" * MAX_HEAD_BYTES + b"\r\n\r\n", 431),
        # A body after a short head is not the head's size.
        (b"POST / HTTP/1.1\r\nContent-Length: 99999\r\n\r\n" + b"b" * 99_999, None),
    ],
)
def test_head_refusal(received: bytes, expected: int | None) -> None:
    found = head_refusal(received)
    assert (found.value if found else None) == expected
