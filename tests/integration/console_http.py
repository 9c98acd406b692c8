"""Plain HTTP to a console the stack started: one request per connection, the cookie as a
browser would send it, and the pieces of an answer the console tests read."""

from __future__ import annotations

import http.client
import re

from services.console.sessions import COOKIE

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def send(
    port: int, method: str, path: str, body: str | None = None, cookie: str = ""
) -> tuple[int, dict[str, str], str]:
    """(status, headers with lower-case names, body) of one request."""
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


def cookie_of(headers: dict[str, str]) -> str:
    """The session cookie's value from an answer that sets it."""
    return headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]
