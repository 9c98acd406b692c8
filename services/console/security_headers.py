"""Headers every console answer carries, so a browser confines the pages to the console.

The pages show people's names, SSNs and incomes and take actions (revoking a consent,
submitting an application) with one click. SameSite=Strict keeps the session cookie off
requests from other sites, but not from other pages of the same site: any web page on
the same host or registrable domain (another port counts as the same site) could frame
the console and lead a caseworker into clicking through it. So no page may be framed
(``frame-ancestors``, and ``X-Frame-Options`` for older browsers), scripts and
connections come only from the console itself (the pages have no inline script), a
response is never read as another type than it says, and no address, with the search
box's query in it, is sent on as a Referer.

Applied as plain ASGI middleware so streamed answers (server-sent events, CSV) get the
headers too, and nothing is buffered.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Inline styles stay allowed: USWDS and htmx set some from script, and a style cannot
# run code; scripts, frames, plugins, form targets and the base address are locked down.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_NAMES = frozenset(name for name, _ in HEADERS)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _NAMES]
                message = {**message, "headers": [*kept, *HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
