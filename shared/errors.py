"""Domain errors and their one mapping to rich gRPC statuses (AIP-193).

Servicers raise these; the server interceptor turns them into a google.rpc.Status
with an ErrorInfo reason and, for bad input, BadRequest field violations; a limit
reached adds RetryInfo (how long to wait) and QuotaFailure (which limit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

ERROR_DOMAIN = "eligibility.gov"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


@dataclass(frozen=True)
class QuotaViolation:
    """A limit the call ran into: whose (``caller:<name>``) and how much it allows."""

    subject: str
    description: str


@dataclass
class ServiceError(Exception):
    """A failure the caller should hear about, with a stable UPPER_SNAKE reason."""

    code: grpc.StatusCode
    reason: str
    message: str
    violations: list[FieldViolation] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    # How long the caller should wait before trying again (RetryInfo, AIP-194).
    retry_delay: dt.timedelta | None = None
    quota_violations: list[QuotaViolation] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code.name} {self.reason}: {self.message}"


def invalid_argument(violations: list[FieldViolation], message: str | None = None) -> ServiceError:
    count = len(violations)
    return ServiceError(
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        message or f"the request has {count} invalid field{'s' if count != 1 else ''}",
        violations,
    )


def not_found(what: str, ident: str) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.NOT_FOUND, f"{what.upper()}_NOT_FOUND", f"no {what} {ident!r}"
    )


# A status travels in the trailers, which a gRPC peer accepts up to 8 KiB by default; past
# that the caller gets RESOURCE_EXHAUSTED instead of our answer. The details are sent
# base64-encoded (a third larger) beside the message (percent-encoded, up to three times
# larger), so both are held well inside it, however many problems a request has.
DETAILS_BUDGET_BYTES = 4096
MAX_LISTED_VIOLATIONS = 20
MAX_MESSAGE_BYTES = 300
MAX_TEXT_BYTES = 160
MAX_METADATA_ENTRIES = 8
MAX_QUOTA_VIOLATIONS = 2


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` bytes of UTF-8, never splitting a character; marked when cut."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode(errors="ignore") + "..."


def _pack(error: ServiceError, message: str, listed: list[FieldViolation]) -> status_pb2.Status:
    info = error_details_pb2.ErrorInfo(
        reason=_clip(error.reason, MAX_TEXT_BYTES), domain=ERROR_DOMAIN
    )
    for key, value in list(error.metadata.items())[:MAX_METADATA_ENTRIES]:
        info.metadata[_clip(key, 64)] = _clip(value, MAX_TEXT_BYTES)
    details = [info]
    if listed:
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=_clip(v.field, MAX_TEXT_BYTES),
                        description=_clip(v.description, MAX_TEXT_BYTES),
                    )
                    for v in listed
                ]
            )
        )
    if error.retry_delay is not None:
        delay = duration_pb2.Duration()
        delay.FromTimedelta(error.retry_delay)
        details.append(error_details_pb2.RetryInfo(retry_delay=delay))
    if error.quota_violations:
        details.append(
            error_details_pb2.QuotaFailure(
                violations=[
                    error_details_pb2.QuotaFailure.Violation(
                        subject=_clip(v.subject, MAX_TEXT_BYTES),
                        description=_clip(v.description, MAX_TEXT_BYTES),
                    )
                    for v in error.quota_violations[:MAX_QUOTA_VIOLATIONS]
                ]
            )
        )
    packed = []
    for detail in details:
        any_detail = any_pb2.Any()
        any_detail.Pack(detail)
        packed.append(any_detail)
    return status_pb2.Status(
        code=getattr(code_pb2, error.code.name), message=message, details=packed
    )


def to_status(error: ServiceError) -> grpc.Status:
    """Build the rich status (with details) that grpc.aio can abort with, small enough
    for the trailers: at most MAX_LISTED_VIOLATIONS violations, fewer if long, and the
    message says how many more there are."""
    listed = list(error.violations[:MAX_LISTED_VIOLATIONS])
    while True:
        hidden = len(error.violations) - len(listed)
        message = _clip(error.message, MAX_MESSAGE_BYTES)
        if hidden:
            message += f" (first {len(listed)} listed, and {hidden} more)"
        status = _pack(error, message, listed)
        if status.ByteSize() <= DETAILS_BUDGET_BYTES or not listed:
            return rpc_status.to_status(status)
        listed.pop()


@dataclass(frozen=True)
class ErrorDetails:
    """What a client can read back from a failed call."""

    code: grpc.StatusCode
    message: str
    reason: str | None
    violations: list[FieldViolation]
    # How long the server asked the caller to wait before trying again (RetryInfo).
    retry_delay: dt.timedelta | None = None


def details_of(error: grpc.RpcError) -> ErrorDetails:
    """Unpack ErrorInfo, BadRequest and RetryInfo from a failed call, where present."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = error.details() if hasattr(error, "details") else str(error)
    reason: str | None = None
    violations: list[FieldViolation] = []
    retry_delay: dt.timedelta | None = None
    status = None
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except Exception:  # a status that does not match its details is still a failure
        status = None
    if status is not None:
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason = info.reason
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                violations.extend(
                    FieldViolation(v.field, v.description) for v in bad.field_violations
                )
            elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                retry = error_details_pb2.RetryInfo()
                detail.Unpack(retry)
                retry_delay = retry.retry_delay.ToTimedelta()
    return ErrorDetails(code, message or "", reason, violations, retry_delay)
