"""Domain errors and their one mapping to rich gRPC statuses (AIP-193).

Servicers raise these; the server interceptor turns them into a google.rpc.Status
with an ErrorInfo reason and, for bad input, BadRequest field violations.
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


def to_status(error: ServiceError) -> grpc.Status:
    """Build the rich status (with details) that grpc.aio can abort with."""
    details = []
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=ERROR_DOMAIN)
    info.metadata.update(error.metadata)
    details.append(info)
    if error.violations:
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=v.field, description=v.description
                    )
                    for v in error.violations
                ]
            )
        )
    if error.retry_delay is not None:
        delay = duration_pb2.Duration()
        delay.FromTimedelta(error.retry_delay)
        details.append(error_details_pb2.RetryInfo(retry_delay=delay))
    packed = []
    for detail in details:
        any_detail = any_pb2.Any()
        any_detail.Pack(detail)
        packed.append(any_detail)
    status = status_pb2.Status(
        code=getattr(code_pb2, error.code.name), message=error.message, details=packed
    )
    return rpc_status.to_status(status)


@dataclass(frozen=True)
class ErrorDetails:
    """What a client can read back from a failed call."""

    code: grpc.StatusCode
    message: str
    reason: str | None
    violations: list[FieldViolation]


def details_of(error: grpc.RpcError) -> ErrorDetails:
    """Unpack ErrorInfo and BadRequest from a failed call, where present."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = error.details() if hasattr(error, "details") else str(error)
    reason: str | None = None
    violations: list[FieldViolation] = []
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
    return ErrorDetails(code, message or "", reason, violations)
