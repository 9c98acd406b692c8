"""structlog set-up: JSON lines for services, a console renderer for people, and a
redaction processor so that SSNs, names, birth dates and incomes never reach a log.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any

import structlog

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


def _is_sensitive_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in _SENSITIVE_KEYS or lowered.endswith(_SENSITIVE_SUFFIXES)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _DATE_PATTERN.sub(REDACTED, _SSN_PATTERN.sub(REDACTED, value))
    if isinstance(value, Mapping):
        return {k: REDACTED if _is_sensitive_key(str(k)) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_scrub(v) for v in value]
    return value


_KEEP = frozenset({"timestamp", "level", "logger", "event_id"})


def redact_personal_data(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: drop personal data by key, and SSN- or date-shaped text anywhere."""
    for key in list(event_dict):
        if key in _KEEP:
            continue
        if _is_sensitive_key(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _scrub(event_dict[key])
    return event_dict


def configure_logging(level: str = "info", fmt: str = "json", service: str | None = None) -> None:
    """Configure structlog once per process. Output goes to stderr."""
    renderer: Any
    if fmt == "console":
        renderer = structlog.dev.ConsoleRenderer()
    else:
        renderer = structlog.processors.JSONRenderer()
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_personal_data,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    if service:
        structlog.contextvars.bind_contextvars(service=service)
