"""Request-scoped context that crosses every hop: the correlation id, and who is asking.

Until mutual TLS gives each caller a verified identity, the calling service names
itself in ``x-caller-service`` and a caseworker tool names its user in
``x-caseworker-id``; both are recorded in audit entries as the caller declared them.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass

CORRELATION_HEADER = "x-correlation-id"
CALLER_HEADER = "x-caller-service"
CASEWORKER_HEADER = "x-caseworker-id"

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
caller_service: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "caller_service", default=None
)
caseworker_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "caseworker_id", default=None
)
_local_service = "unknown"


def set_local_service(name: str) -> None:
    """Name this process as a caller on its outbound calls (set once at start-up)."""
    global _local_service
    _local_service = name


def local_service() -> str:
    return _local_service


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def current_caller() -> str:
    """The service that made the call being served ("unknown" if it did not say)."""
    return caller_service.get() or "unknown"


def current_caseworker() -> str | None:
    return caseworker_id.get()


@dataclass(frozen=True)
class Principal:
    """Who is calling, as proven: the calling service (from its certificate) and, for a
    caseworker tool, the person at it and their role (from a signed token)."""

    service: str
    caseworker: str | None = None
    role: str | None = None


principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "principal", default=None
)


def current_principal() -> Principal:
    """The proven caller of the call being served (an anonymous one outside a call)."""
    found = principal.get()
    if found is not None:
        return found
    return Principal(current_caller(), current_caseworker())
