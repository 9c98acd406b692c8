"""Request-scoped context that crosses every hop: the correlation id, who is asking, and
for which purpose.

Who is asking is proven by the server's gate (shared/security.py): the calling service
from its client certificate, a caseworker and their role from a signed token. Headers
never decide it; ``x-caller-service`` is read only in the plaintext development mode,
where the audit trail marks the name as declared.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass

CORRELATION_HEADER = "x-correlation-id"
CALLER_HEADER = "x-caller-service"
PURPOSE_HEADER = "x-purpose"
# The caseworker on whose behalf the orchestrator asks an agency; believed only from a
# proven orchestrator.
ON_BEHALF_HEADER = "x-on-behalf-of"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as proven: the calling service and, for a caseworker tool, the
    person at it and their role. ``shown_as`` is the name the audit trail records."""

    service: str
    caseworker: str | None = None
    role: str | None = None
    shown_as: str = ""

    @property
    def audit_name(self) -> str:
        return self.shown_as or self.service


ANONYMOUS = Principal("unknown")

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
principal: contextvars.ContextVar[Principal] = contextvars.ContextVar(
    "principal", default=ANONYMOUS
)
# The purpose this call serves; forwarded on every call made on its behalf.
purpose: contextvars.ContextVar[str | None] = contextvars.ContextVar("purpose", default=None)
# The method being served (``/package.Service/Method``): what a refusal inside it names.
method: contextvars.ContextVar[str] = contextvars.ContextVar("method", default="")
_local_service = "unknown"


def set_local_service(name: str) -> None:
    """Name this process as a caller in plaintext mode (set once at start-up)."""
    global _local_service
    _local_service = name


def local_service() -> str:
    return _local_service


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def current_principal() -> Principal:
    """The proven caller of the call being served (anonymous outside a call)."""
    return principal.get()


def current_caller() -> str:
    """The calling service as the audit trail records it."""
    return principal.get().audit_name


def current_caseworker() -> str | None:
    return principal.get().caseworker


def current_method() -> str:
    """The method being served, by its name alone (``GetCase``); empty outside a call."""
    return method.get().rsplit("/", 1)[-1]


def forwarded_headers(declare_caller: bool = False) -> list[tuple[str, str]]:
    """The headers a call made while serving another carries on: its correlation id (a
    new one outside a call), its purpose, the caseworker on whose behalf it asks, and,
    where nothing proves it (plaintext), this service's name."""
    headers = [(CORRELATION_HEADER, correlation_id.get() or new_correlation_id())]
    if declare_caller:
        headers.append((CALLER_HEADER, _local_service))
    declared = purpose.get()
    if declared:
        headers.append((PURPOSE_HEADER, declared))
    caseworker = principal.get().caseworker
    if caseworker:
        headers.append((ON_BEHALF_HEADER, caseworker))
    return headers
