"""The Burden page from the console's menu: a caseworker, who may ask only about one of
their cases, is shown the form, not a refusal of a report over every case they never asked
for. The console runs as the stack runs it; no orchestrator is needed for that page, and
none answers here, so a supervisor's report over every case shows as unavailable."""

from __future__ import annotations

import http.client
import re
import urllib.parse
from pathlib import Path

from services.cli.stack import Stack, free_ports


class Browser:
    """Just enough of one: the console's session cookie, kept from answer to answer."""

    def __init__(self, port: int) -> None:
        self.port, self.cookie = port, ""

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["content-type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            if answer.getheader("set-cookie"):
                self.cookie = answer.getheader("set-cookie", "").split(";", 1)[0]
            return answer.status, answer.read().decode()
        finally:
            connection.close()

    def sign_in(self, role: str) -> None:
        _, page = self.request("GET", "/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, page
        form = {"csrf_token": token.group(1), "caseworker": "cw-7", "role": role}
        status, _ = self.request("POST", "/signin", {**form, "next": "/cases"})
        assert status == 303


def test_a_caseworker_opening_burden_gets_the_form_and_a_supervisor_the_report(
    tmp_path: Path,
) -> None:
    stack = Stack.on_free_ports(tmp_path)
    stack.log_dir.mkdir(parents=True)
    stack.tool().ensure()
    port = int(stack.start_console(free_ports(1)[0]).rsplit(":", 1)[1])
    try:
        caseworker = Browser(port)
        caseworker.sign_in("caseworker")
        status, page = caseworker.request("GET", "/burden")
        assert status == 200
        assert "Show the figures" in page and "usa-alert" not in page
        supervisor = Browser(port)
        supervisor.sign_in("supervisor")
        status, page = supervisor.request("GET", "/burden")
        # Asked, and the orchestrator that is not there is named as the problem.
        assert status != 200 and "usa-alert" in page
    finally:
        stack.stop()
