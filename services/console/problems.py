"""What went wrong, in words for a caseworker: every failed call becomes a Problem (a
heading, a sentence, what to do, and the server's field violations), never a trace."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import grpc

from shared.errors import FieldViolation, details_of

# Reasons the orchestrator gives for a refused token: the caseworker must sign in again.
TOKEN_REASONS = {"TOKEN_EXPIRED", "TOKEN_INVALID", "TOKEN_NOT_BOUND", "TOKEN_MISSING"}


@dataclass(frozen=True)
class Problem:
    title: str
    message: str
    advice: str = ""
    violations: list[FieldViolation] = field(default_factory=list)
    http_status: int = 400
    code: str = ""
    reason: str = ""
    # Whole seconds the orchestrator asked us to wait (RetryInfo), for Retry-After.
    retry_after: int | None = None

    @property
    def sign_in_again(self) -> bool:
        return self.code == "UNAUTHENTICATED"


def unreadable(violations: list[FieldViolation]) -> Problem:
    """Answers the console could not turn into the contract's values, put as the server
    puts the ones it refuses, so the form shows them the same way."""
    return Problem(
        "Some answers need fixing",
        "Some answers could not be read as numbers the form can take.",
        "Each problem is shown beside its field; correct them and send again.",
        list(violations),
        422,
        "INVALID_ARGUMENT",
    )


def problem_of(error: grpc.RpcError, target: str, action: str = "this") -> Problem:
    details = details_of(error)
    code, reason, server = details.code, details.reason or "", details.message
    name = code.name if code is not None else "UNKNOWN"

    def make(title: str, message: str, advice: str = "", status: int = 400) -> Problem:
        return Problem(title, message, advice, details.violations, status, name, reason)

    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return make(
            "Some answers need fixing",
            server or "The orchestrator refused the request as given.",
            "Each problem is shown beside its field; correct them and send again.",
            422,
        )
    if code == grpc.StatusCode.UNAVAILABLE and not reason:
        return make(
            "The orchestrator is not answering",
            f"The console could not reach the orchestrator at {target}.",
            "It may be stopped or starting. Start the stack with `make run` (or `elig up`), "
            "then try again.",
            503,
        )
    if code == grpc.StatusCode.UNAVAILABLE:
        return make(
            "An agency did not answer",
            server,
            "An agency the orchestrator needs is stopped or not reachable. Nothing is lost: "
            "try again once it is back.",
            503,
        )
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return make(
            "That took too long",
            "The orchestrator did not answer in time.",
            "An agency may be slow or stopped. Try again in a moment.",
            504,
        )
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return make(
            "Please sign in again",
            server or "Your sign-in is no longer accepted.",
            "Sign in again to go on.",
            401,
        )
    if code == grpc.StatusCode.PERMISSION_DENIED:
        advice = (
            "Sign in with a role that may do this."
            if reason == "ROLE_NOT_ALLOWED"
            else "Ask a supervisor if you need to see it."
        )
        return make("You may not do that", server, advice, 403)
    if code == grpc.StatusCode.NOT_FOUND:
        return make("Not found", server, "Check the identifier and try again.", 404)
    if code == grpc.StatusCode.UNIMPLEMENTED:
        return make(
            "Not available yet",
            f"The orchestrator does not offer {action} yet.",
            "This part of the console works once the orchestrator supports it.",
            501,
        )
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED and details.retry_delay is not None:
        wait = max(1, math.ceil(details.retry_delay.total_seconds()))
        problem = make(
            "Too many requests",
            "The orchestrator takes only so many requests a second from one person, and "
            "yours went past that.",
            f"Wait {wait} second{'s' if wait != 1 else ''}, then try again.",
            429,
        )
        return replace(problem, retry_after=wait)
    if code in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ABORTED):
        return make("Busy", server, "Try again in a moment.", 429)
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        return make("That cannot be done now", server, "", 409)
    return make(
        "Something went wrong",
        f"The orchestrator answered {name}.",
        "Try again; if it goes on, tell the people who run the system.",
        502,
    )
