"""Turning a request's bytes into a message a servicer may trust, or into a refusal.

gRPC calls a method's request deserializer before any of our code runs, and reports
whatever it raises as UNKNOWN, naming a Python class and logging nothing of ours. The
server interceptor wraps that deserializer with ``tolerant``: bytes that are not the
message, or a message over the shared limits (shared/limits.py), become a ``Refused``
marker that the interceptor raises as INVALID_ARGUMENT, logged like any other call.
Fields this version does not know are dropped, so they are neither stored nor echoed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
import structlog
from google.protobuf.message import Message

from shared import limits
from shared.errors import ServiceError, invalid_argument

log = structlog.get_logger("grpc")

MALFORMED = "MALFORMED_REQUEST"


@dataclass(frozen=True)
class Refused:
    """Stands in for a request that must not reach the servicer."""

    error: ServiceError


def _type_name(deserializer: Callable[[bytes], Any]) -> str:
    owner = getattr(deserializer, "__self__", None)
    descriptor = getattr(owner, "DESCRIPTOR", None)
    return getattr(descriptor, "full_name", "request message")


def decode(deserializer: Callable[[bytes], Any], raw: bytes, method: str) -> Any:
    """The request, or ``Refused`` with why; never raises."""
    try:
        request = deserializer(raw)
    except Exception as error:  # any parse failure is the sender's, whatever its class
        # The bytes are not logged: they may hold personal data.
        log.warning(
            "request not decodable",
            method=method,
            size_bytes=len(raw),
            error=type(error).__name__,
        )
        return Refused(
            ServiceError(
                grpc.StatusCode.INVALID_ARGUMENT,
                MALFORMED,
                f"the request body is not a valid {_type_name(deserializer)}",
            )
        )
    if isinstance(request, Message):
        request.DiscardUnknownFields()
        violations = limits.check_message(request)
        if violations:
            return Refused(invalid_argument(violations))
    return request


def tolerant(
    deserializer: Callable[[bytes], Any] | None, method: str
) -> Callable[[bytes], Any] | None:
    """``deserializer``, wrapped so that it returns ``Refused`` instead of raising."""
    if deserializer is None:
        return None
    return lambda raw: decode(deserializer, raw, method)


def raise_if_refused(request: Any) -> None:
    if isinstance(request, Refused):
        raise request.error
