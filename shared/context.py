"""Request-scoped context that crosses every hop: the correlation id."""

from __future__ import annotations

import contextvars
import uuid

CORRELATION_HEADER = "x-correlation-id"

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def current_correlation_id() -> str:
    """The id of the request being served, or a fresh one outside any request."""
    value = correlation_id.get()
    if value is None:
        value = new_correlation_id()
        correlation_id.set(value)
    return value
