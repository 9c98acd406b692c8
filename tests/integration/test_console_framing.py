"""No console answer may be framed by another page, run another origin's script or be
sniffed as another type: every answer the console process gives (pages, redirects, error
pages, static files, a signed-in page whose orchestrator is away) says so in its headers.

SameSite=Strict keeps the session cookie off other sites' requests, but a page on the same
host at another port is the same site: it could frame the console and steer a signed-in
caseworker's clicks. The console runs as the stack runs it, in its own process; no agency
is needed, so none is started.
"""

from __future__ import annotations

from pathlib import Path

from services.cli.stack import Stack, free_ports
from tests.integration.console_http import CSRF, cookie_of, send


def test_every_console_answer_forbids_framing_and_foreign_scripts(tmp_path: Path) -> None:
    stack = Stack.on_free_ports(tmp_path)
    stack.log_dir.mkdir(parents=True)
    stack.tool().ensure()
    port = int(stack.start_console(free_ports(1)[0]).rsplit(":", 1)[1])
    try:
        status, headers, page = send(port, "GET", "/signin")
        answers = {"sign-in page": (status, headers)}
        cookie, csrf = cookie_of(headers), CSRF.search(page)[1]  # type: ignore[index]
        form = f"caseworker=cw-frame&role=caseworker&csrf_token={csrf}"
        signed = send(port, "POST", "/signin", form, cookie)
        answers["sign-in"] = signed[:2]
        cookie = cookie_of(signed[1])
        # No orchestrator listens: the page says so, and is still a console page.
        answers["signed-in page"] = send(port, "GET", "/cases?q=587314926", cookie=cookie)[:2]
        answers["redirect to sign in"] = send(port, "GET", "/cases")[:2]
        answers["missing page"] = send(port, "GET", "/no-such-page")[:2]
        answers["refused form"] = send(port, "POST", "/signout", "csrf_token=forged", cookie)[:2]
        answers["static file"] = send(port, "GET", "/static/console.js")[:2]
        answers["health"] = send(port, "GET", "/healthz")[:2]
    finally:
        stack.stop()
    assert answers["sign-in"][0] == 303
    for what, (status, headers) in answers.items():
        policy = headers.get("content-security-policy", "")
        directives = {d.strip().split(" ", 1)[0]: d.strip() for d in policy.split(";")}
        assert directives.get("frame-ancestors") == "frame-ancestors 'none'", (what, status)
        assert directives.get("script-src") == "script-src 'self'", (what, policy)
        assert directives.get("object-src") == "object-src 'none'", (what, policy)
        assert headers.get("x-frame-options") == "DENY", (what, status)
        assert headers.get("x-content-type-options") == "nosniff", (what, status)
        # The search box's query (an SSN, a name) never travels on as a Referer.
        assert headers.get("referrer-policy") == "no-referrer", (what, status)
