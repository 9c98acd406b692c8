"""The console's access log never holds what was typed into a URL: the cases search box is
a GET form, and an SSN or a name typed there travels in the query string.

The console runs as the stack runs it (its own process, its log file); requests from a
browser that is not signed in are enough, since uvicorn logs every request line.
"""

from __future__ import annotations

import http.client
from pathlib import Path

from services.cli.stack import Stack, free_ports

SSN, GIVEN, FAMILY, BIRTH = "587314926", "Quillon", "Vexbridge", "1979-04-17"


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_query_values_typed_by_people_are_not_in_the_console_log(tmp_path: Path) -> None:
    stack = Stack.on_free_ports(tmp_path)
    stack.log_dir.mkdir(parents=True)
    stack.tool().ensure()
    port = int(stack.start_console(free_ports(1)[0]).rsplit(":", 1)[1])
    try:
        paths = [
            f"/cases?q={SSN}",
            "/cases?q=587-31-4926&page_token=" + BIRTH,
            f"/cases?q={GIVEN}+{FAMILY}",
            f"/signin?next=/people%3Fssn%3D{SSN}",
            f"/cases?{SSN}=1",
        ]
        for path in paths:
            assert _get(port, path) in (200, 303, 422), path
    finally:
        stack.stop()  # the log is the process's stdout, written out in full when it exits
    log = (stack.log_dir / "console.log").read_text()
    assert '"GET /cases?q=- HTTP/1.1" 303' in log  # the request is still on record
    assert "/cases?q=-&page_token=-" in log
    for secret in (SSN, "587-31-4926", GIVEN, FAMILY, BIRTH):
        assert secret not in log, secret
