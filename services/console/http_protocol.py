"""uvicorn's h11 protocol, answering a request whose head is too long instead of resetting it.

h11 keeps at most MAX_HEAD_BYTES of an unfinished request line and headers; past that
uvicorn writes a bare 400 and closes at once, with the rest of the request still unread,
so the kernel resets the connection and the browser shows a network error, not the
answer. Whether that happens at all depended on how the bytes were split into packets:
a 20 KB address sent in one piece went through. Here the limit is the same however the
head arrives, the answer names the problem (414 URI Too Long, RFC 9110 section 15.5.15;
431 Request Header Fields Too Large, RFC 6585 section 5), and the console goes on reading
and dropping what the client still sends for a moment before closing, so the answer is
read rather than reset.
"""

from __future__ import annotations

import re
from http import HTTPStatus

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

# h11's own default: a request line and headers far larger than any page of the console
# makes (its longest addresses are a case id and a page token).
MAX_HEAD_BYTES = 16 * 1024
# How long a refused client may go on sending before the console closes on it anyway.
LINGER_SECONDS = 2.0

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_MESSAGES = {
    HTTPStatus.REQUEST_URI_TOO_LONG: "This address is too long for the console. "
    "Go back and use the console's menu or search instead.",
    HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: "This request's headers are too large for "
    "the console. Clearing this site's cookies in the browser usually mends it.",
    HTTPStatus.BAD_REQUEST: "The console could not read this request.",
}


def head_refusal(received: bytes, limit: int = MAX_HEAD_BYTES) -> HTTPStatus | None:
    """Why a request head, as received so far, is refused; None while it still fits."""
    end = _HEAD_END.search(received)
    if end is not None and end.end() <= limit:
        return None
    if end is None and len(received) <= limit:
        return None  # not finished, and not too long yet
    line_end = received.find(b"\n")
    if line_end == -1 or line_end + 1 > limit:
        return HTTPStatus.REQUEST_URI_TOO_LONG
    return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE


class ConsoleH11Protocol(H11Protocol):
    """Pass as uvicorn's ``http`` with ``h11_max_incomplete_event_size=MAX_HEAD_BYTES``."""

    _refused = False

    @property
    def _limit(self) -> int:
        return self.config.h11_max_incomplete_event_size or MAX_HEAD_BYTES

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the rest of a refused request: read only so that closing is no reset
        if self.conn.their_state is h11.IDLE:
            # Checked here as well as by h11, which only notices a head that arrives in
            # pieces: one that comes in a single packet would otherwise go through.
            status = head_refusal(self.conn.trailing_data[0] + data, self._limit)
            if status is not None:
                self.logger.warning("Request refused: %d %s", status, status.phrase)
                self._refuse(status)
                return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        # uvicorn calls this for whatever h11 could not parse, an over-long head among them.
        status = head_refusal(self.conn.trailing_data[0], self._limit) or HTTPStatus.BAD_REQUEST
        self._refuse(status)

    def _refuse(self, status: HTTPStatus) -> None:
        body = _MESSAGES[status].encode()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=status.value, headers=headers, reason=status.phrase),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self._refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()  # the client sees the answer end, and may stop sending
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
