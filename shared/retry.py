"""Retry policy for outbound calls (AIP-194): only transient codes, jittered
exponential backoff, and never past the caller's own deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

T = TypeVar("T")

TRANSIENT_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)
# Below this much time left another attempt cannot do useful work.
_MIN_ATTEMPT_SECONDS = 0.05


def is_transient(error: BaseException) -> bool:
    return isinstance(error, grpc.RpcError) and error.code() in TRANSIENT_CODES


class _Made:
    """What tenacity's backoff reads of a retry state: how many attempts were made."""

    def __init__(self, attempt_number: int) -> None:
        self.attempt_number = attempt_number


class _BudgetSpent:
    """tenacity stop condition: stop once the deadline leaves no room for an attempt."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: object) -> bool:
        return self.deadline - time.monotonic() < _MIN_ATTEMPT_SECONDS


async def call_with_retry(
    call: Callable[[float], Awaitable[T]],
    *,
    budget_seconds: float,
    max_attempts: int = 4,
    max_backoff_seconds: float = 1.0,
) -> T:
    """Run ``call(timeout)`` until it succeeds, fails for good, or the budget runs out.

    ``call`` receives the seconds left in the budget and must pass them on as its
    gRPC timeout, so no attempt and no backoff outlives the caller's deadline.
    """
    deadline = time.monotonic() + budget_seconds
    # The first attempt runs outside tenacity: nearly every call succeeds at once, and
    # setting up the retrying machinery cost more than the call's own Python work.
    try:
        return await call(max(deadline - time.monotonic(), _MIN_ATTEMPT_SECONDS))
    except Exception as error:
        if max_attempts <= 1 or not is_transient(error) or _BudgetSpent(deadline)(None):
            raise
    backoff = wait_random_exponential(multiplier=0.05, max=max_backoff_seconds)

    def bounded_wait(attempts_made: int) -> float:
        wanted = backoff(_Made(attempts_made))  # type: ignore[arg-type]
        left = deadline - time.monotonic() - _MIN_ATTEMPT_SECONDS
        return max(0.0, min(wanted, left))

    await asyncio.sleep(bounded_wait(1))
    # tenacity counts from the second attempt on: its n-th is the call's (n + 1)-th.
    retrying = AsyncRetrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(max_attempts - 1) | _BudgetSpent(deadline),
        wait=lambda state: bounded_wait(state.attempt_number + 1),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await call(max(deadline - time.monotonic(), _MIN_ATTEMPT_SECONDS))
    raise AssertionError("unreachable: tenacity reraises the last error")


def budget_from_context(context: grpc.aio.ServicerContext | None, default: float) -> float:
    """The time a downstream call may take: the caller's remaining deadline, less a margin
    for our own work, capped by our default."""
    if context is None:
        return default
    remaining = context.time_remaining()
    if remaining is None:
        return default
    return max(_MIN_ATTEMPT_SECONDS, min(default, remaining * 0.9))
