"""Signing out of the console ends the sign-in, not only this browser's copy of its cookie:
a copy kept elsewhere is refused afterwards, also by a console restarted meanwhile.

The console runs as the stack runs it, in its own process; no orchestrator is needed to
tell a signed-in page (here one saying the orchestrator is away) from the sign-in page.
"""

from __future__ import annotations

from pathlib import Path

from services.cli.stack import Stack, free_ports
from tests.integration.console_http import CSRF, cookie_of, send


def _signed_in(port: int, cookie: str) -> bool:
    status, headers, _ = send(port, "GET", "/burden", cookie=cookie)
    return not (status == 303 and headers["location"].startswith("/signin"))


def _console(folder: Path) -> tuple[Stack, int]:
    stack = Stack.on_free_ports(folder)
    stack.log_dir.mkdir(parents=True, exist_ok=True)
    stack.tool().ensure()
    return stack, int(stack.start_console(free_ports(1)[0]).rsplit(":", 1)[1])


def test_a_signed_out_cookie_is_refused_wherever_a_copy_of_it_is(tmp_path: Path) -> None:
    stack, port = _console(tmp_path)
    try:
        _, headers, page = send(port, "GET", "/signin")
        cookie, csrf = cookie_of(headers), CSRF.search(page)[1]  # type: ignore[index]
        form = f"caseworker=cw-leaves&role=supervisor&csrf_token={csrf}"
        _, headers, _ = send(port, "POST", "/signin", form, cookie)
        copy = cookie_of(headers)
        assert _signed_in(port, copy)
        _, _, page = send(port, "GET", "/burden", cookie=copy)
        token = CSRF.search(page)[1]  # type: ignore[index]
        status, headers, _ = send(port, "POST", "/signout", f"csrf_token={token}", copy)
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
