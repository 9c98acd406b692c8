"""How a log line is stamped, rendered and written, each at as little cost per line as
the format allows: the service logs every call, twice."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

import orjson


class UtcTimestamp:
    """structlog processor: ``timestamp`` as ISO 8601 UTC with microseconds, like
    ``TimeStamper(fmt="iso", utc=True)``; the date and time of day are formatted once a
    second rather than once a line."""

    def __init__(self) -> None:
        # One tuple, replaced whole, so a thread never pairs one second with another's text.
        self._second: tuple[int, str] = (-1, "")

    def __call__(self, _: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        now = time.time()
        whole = int(now)
        second = self._second
        if second[0] != whole:
            second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
            self._second = second
        event_dict["timestamp"] = f"{second[1]}.{int((now - whole) * 1_000_000):06d}Z"
        return event_dict


class _StderrLines:
    """structlog logger: each line in one write, so workers sharing a log file never
    interleave halves of lines (print writes the text and its newline separately). The
    stream is looked up at each line, so a logger cached on first use follows a later
    redirection of stderr (a test's capture) instead of writing to a closed one."""

    def msg(self, message: str) -> None:
        with _WRITE_LOCK:
            stream = sys.stderr
            stream.write(message + "\n")
            stream.flush()

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg


_WRITE_LOCK = threading.Lock()
_STDERR_LINES = _StderrLines()


def stderr_lines(*_: Any) -> _StderrLines:
    return _STDERR_LINES


# Objects orjson would otherwise turn into JSON of their own (dataclasses, datetimes) go
# through repr, as with the standard json module: the same text as before, and nothing
# the redaction processor did not see as one value.
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)


def _json_fallback(value: Any) -> Any:
    structlog_form = getattr(value, "__structlog__", None)
    return structlog_form() if callable(structlog_form) else repr(value)


def render_json(_: Any, __: str, event_dict: dict[str, Any]) -> str:
    """structlog renderer: one JSON line, by orjson (a fifth of the standard module's cost);
    what orjson refuses (an int past 64 bits) falls back to the standard module."""
    try:
        return orjson.dumps(event_dict, default=_json_fallback, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(event_dict, default=_json_fallback)
