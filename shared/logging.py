"""structlog set-up: JSON lines for services, a console renderer for people, and a
redaction processor so that SSNs, names, birth dates and incomes never reach a log.
"""

from __future__ import annotations

import enum
import functools
import logging
import re
import sys
import traceback
from collections.abc import Mapping
from typing import Any

import structlog

from shared.log_output import UtcTimestamp, render_json, stderr_lines

REDACTED = "[REDACTED]"

# Keys whose values are personal data wherever they appear in an event.
_SENSITIVE_KEYS = frozenset(
    {
        "ssn",
        "name",
        "given",
        "family",
        "given_name",
        "family_name",
        "full_name",
        "birth_date",
        "date_of_birth",
        "dob",
        "income",
        "incomes",
        "wages",
        "agi",
        "magi",
        "address",
        "line1",
        "line2",
        "zip_code",
        "household",
        "members",
        "value",
    }
)
# Any key that ends like a money field or names income is redacted too.
_SENSITIVE_SUFFIXES = ("_cents", "_income", "_ssn", "_name", "_birth_date", "_magi", "_agi")
# Nine digits shaped like an SSN, with or without dashes, anywhere in text.
_SSN_PATTERN = re.compile(r"(?<!\d)\d{3}-?\d{2}-?\d{4}(?!\d)")
# ISO dates in free text may be birth dates.
_DATE_PATTERN = re.compile(r"(?<!\d)(19|20)\d{2}-\d{2}-\d{2}(?!\d)")
_DIGIT = re.compile(r"\d")
# The ids we mint (uuid4, hex or dashed) are random hex: a run of nine digits inside one
# is chance, not an SSN, and cutting into it would break correlation across services.
_MINTED_ID = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-f]{32}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})(?![0-9A-Za-z])",
    re.IGNORECASE,
)


def _is_sensitive_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in _SENSITIVE_KEYS or lowered.endswith(_SENSITIVE_SUFFIXES)


# Text already found clean, so the lines every call writes (the service, method, status
# and caller names, a correlation id on its second line) skip the patterns. Only clean
# text is kept, so the memo holds nothing a log line would not show anyway; short text
# only, and emptied when full, so it stays small whatever is logged.
_CLEAN_TEXT: set[str] = set()
_CLEAN_TEXT_MAX = 4096
_CLEAN_TEXT_MAX_CHARS = 200


def _scrub_text(text: str) -> str:
    """SSN- and date-shaped runs become REDACTED, except inside a minted id."""
    if text in _CLEAN_TEXT:
        return text
    scrubbed = _scrub_digits(text)
    if scrubbed == text and len(text) <= _CLEAN_TEXT_MAX_CHARS:
        if len(_CLEAN_TEXT) >= _CLEAN_TEXT_MAX:
            _CLEAN_TEXT.clear()
        _CLEAN_TEXT.add(text)
    return scrubbed


def _scrub_digits(text: str) -> str:
    if not _DIGIT.search(text):  # both shapes are made of digits: most text has none
        return text
    if _MINTED_ID.fullmatch(text):  # a correlation id, new with every call
        return text
    pieces: list[str] = []
    start = 0
    for minted in _MINTED_ID.finditer(text):
        pieces += [_scrub_plain(text[start : minted.start()]), minted.group()]
        start = minted.end()
    pieces.append(_scrub_plain(text[start:]))
    return "".join(pieces)


def _scrub_plain(text: str) -> str:
    return _DATE_PATTERN.sub(REDACTED, _SSN_PATTERN.sub(REDACTED, text))


def _scrub_id(value: Any) -> Any:
    """An identifier is kept whole or dropped whole: half an id with REDACTED spliced
    in looks like an id and matches nothing, which is worse than no id."""
    if not isinstance(value, str):
        return _scrub(value)
    return value if _scrub_text(value) == value else REDACTED


def _scrub(value: Any) -> Any:
    if value is None or isinstance(value, int | float):  # bool is an int
        return value
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if _is_sensitive_key(str(k)) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_scrub(v) for v in value]
    return value


_KEEP = frozenset({"timestamp", "level", "logger"})


def redact_personal_data(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: drop personal data by key, and SSN- or date-shaped text anywhere.

    Values of ``*_id`` keys (correlation_id, case_id, ...) are kept or dropped whole."""
    for key, value in list(event_dict.items()):
        kind = _kind_of_key(key)
        if kind is _Kind.KEEP:
            continue
        if kind is _Kind.SENSITIVE:
            event_dict[key] = REDACTED
        elif value.__class__ is str and value in _CLEAN_TEXT:
            continue
        elif kind is _Kind.ID:
            event_dict[key] = _scrub_id(value)
        else:
            event_dict[key] = _scrub(value)
    return event_dict


class _Kind(enum.Enum):
    KEEP = 1
    SENSITIVE = 2
    ID = 3
    TEXT = 4


@functools.lru_cache(maxsize=1024)
def _kind_of_key(key: str) -> _Kind:
    """What a key's value gets; remembered, as every line asks it of the same few keys."""
    if key in _KEEP:
        return _Kind.KEEP
    if _is_sensitive_key(key):
        return _Kind.SENSITIVE
    return _Kind.ID if key.lower().endswith("_id") else _Kind.TEXT


def withhold_exception_messages(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor, in place of ``format_exc_info``: the exception's type and its
    traceback, but not its message. Messages carry values ("income 52000 out of range")
    that no pattern reliably recognises; the frames say where it failed without them."""
    exc_info = event_dict.pop("exc_info", None)
    if not exc_info:
        return event_dict
    if isinstance(exc_info, BaseException):
        error: BaseException | None = exc_info
    elif isinstance(exc_info, tuple):
        error = exc_info[1]
    else:
        error = sys.exc_info()[1]
    if error is not None:
        event_dict["exception_type"] = _type_name(type(error))
        event_dict["exception"] = describe_without_messages(error)
    return event_dict


def describe_without_messages(error: BaseException) -> str:
    """The exception's type and traceback, causes first, each message withheld."""
    return "".join(_describe(error, set()))


def _type_name(kind: type[BaseException]) -> str:
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def _describe(error: BaseException, seen: set[int]) -> list[str]:
    """Python's own traceback layout, causes first, each message replaced by a marker."""
    seen.add(id(error))
    lines: list[str] = []
    context = None if error.__suppress_context__ else error.__context__
    if error.__cause__ is not None and id(error.__cause__) not in seen:
        lines += _describe(error.__cause__, seen)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif context is not None and id(context) not in seen:
        lines += _describe(context, seen)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if error.__traceback__ is not None:
        lines.append("Traceback (most recent call last):\n")
        lines += traceback.format_list(traceback.extract_tb(error.__traceback__))
    lines.append(f"{_type_name(type(error))}: (message withheld)\n")
    if isinstance(error, BaseExceptionGroup):
        for number, inner in enumerate(error.exceptions, 1):
            lines.append(f"+-- sub-exception {number} --\n")
            lines += ["| " + line for line in "".join(_describe(inner, seen)).splitlines(True)]
    return lines


class _ThroughOurProcessors(logging.Handler):
    """Libraries log through the standard module (asyncio's "Task exception was never
    retrieved", grpc's own failures). Python's last-resort handler wrote those records
    to the log as they were, exception messages included; here they become our lines,
    redacted like any other. Only a message's first line is kept: asyncio appends the
    repr of the failed task there, which quotes its exception's message."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            first_line = record.getMessage().split("\n", 1)[0]
            structlog.get_logger(record.name).log(
                record.levelno,
                first_line,
                logger=record.name,
                exc_info=record.exc_info if record.exc_info and record.exc_info[1] else None,
            )
        except Exception:  # noqa: BLE001 - a log line must never take the service down
            self.handleError(record)


def configure_logging(level: str = "info", fmt: str = "json", service: str | None = None) -> None:
    """Configure structlog once per process, and route the standard logging module's
    records (at its default level, WARNING) through it. Output goes to stderr."""
    renderer: Any = structlog.dev.ConsoleRenderer() if fmt == "console" else render_json
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        UtcTimestamp(),
        withhold_exception_messages,
        redact_personal_data,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=stderr_lines,
        # Loggers are made on first use and kept: making one per line cost more than the
        # rest of the line. configure_logging is called once, before anything logs.
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not isinstance(h, _ThroughOurProcessors)]
    root.addHandler(_ThroughOurProcessors())
    if service:
        structlog.contextvars.bind_contextvars(service=service)
