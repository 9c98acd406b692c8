"""Signing out of the console ends the sign-in, not only this browser's copy of its cookie:
a copy kept elsewhere is refused afterwards, also by a console restarted meanwhile.

The console runs as the stack runs it, in its own process; no orchestrator is needed to
tell a signed-in page (here one saying the orchestrator is away) from the sign-in page.
"""

from __future__ import annotations

import http.client
import re
from pathlib import Path

from services.cli.stack import Stack, free_ports
from services.console.sessions import COOKIE

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _send(
    port: int, method: str, path: str, body: str | None = None, cookie: str = ""
) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        reply = connection.getresponse()
        text = reply.read().decode("utf-8", "replace")
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, text
    finally:
        connection.close()


def _cookie_of(headers: dict[str, str]) -> str:
    return headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]


def _signed_in(port: int, cookie: str) -> bool:
    status, headers, _ = _send(port, "GET", "/burden", cookie=cookie)
    return not (status == 303 and headers["location"].startswith("/signin"))


def _console(folder: Path) -> tuple[Stack, int]:
    stack = Stack.on_free_ports(folder)
    stack.log_dir.mkdir(parents=True, exist_ok=True)
    stack.tool().ensure()
    return stack, int(stack.start_console(free_ports(1)[0]).rsplit(":", 1)[1])


def test_a_signed_out_cookie_is_refused_wherever_a_copy_of_it_is(tmp_path: Path) -> None:
    stack, port = _console(tmp_path)
    try:
        _, headers, page = _send(port, "GET", "/signin")
        cookie, csrf = _cookie_of(headers), _CSRF.search(page)[1]  # type: ignore[index]
        form = f"caseworker=cw-leaves&role=supervisor&csrf_token={csrf}"
        _, headers, _ = _send(port, "POST", "/signin", form, cookie)
        copy = _cookie_of(headers)
        assert _signed_in(port, copy)
        _, _, page = _send(port, "GET", "/burden", cookie=copy)
        token = _CSRF.search(page)[1]  # type: ignore[index]
        status, headers, _ = _send(port, "POST", "/signout", f"csrf_token={token}", copy)
        assert status == 303 and headers["location"] == "/signin?why=signedout"
        assert not _signed_in(port, copy)
    finally:
        stack.stop()
    stack, port = _console(tmp_path)
    try:
        assert not _signed_in(port, copy)
    finally:
        stack.stop()
    assert oct((tmp_path / "console-signed-out.json").stat().st_mode & 0o777) == "0o600"
