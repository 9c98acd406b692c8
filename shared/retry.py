"""Retry policy for outbound calls (AIP-194): only transient codes, jittered
exponential backoff, at least as long a wait as the server asked for (RetryInfo: an
agency's rate limit says when its caller's bucket holds a call again), and never past
the caller's own deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from shared.errors import details_of

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


def advised_wait(error: BaseException | None) -> float:
    """Seconds the server asked us to wait before trying again (0 when it did not say)."""
    if not isinstance(error, grpc.RpcError) or not hasattr(error, "trailing_metadata"):
        return 0.0
    delay = details_of(error).retry_delay
    return max(delay.total_seconds(), 0.0) if delay is not None else 0.0


def _failure(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None else None


class _Made:
    """What tenacity's backoff reads of a retry state: how many attempts were made."""

    def __init__(self, attempt_number: int) -> None:
        self.attempt_number = attempt_number


class _BudgetSpent:
    """tenacity stop condition: stop once the deadline leaves no room for an attempt,
    after the wait the server asked for."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState | None) -> bool:
        advised = advised_wait(_failure(retry_state)) if retry_state is not None else 0.0
        return self.deadline - time.monotonic() - advised < _MIN_ATTEMPT_SECONDS


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
        first = error
        if max_attempts <= 1 or not is_transient(error):
            raise
        # A server that asks for a longer wait than the budget has left will not take
        # the call in time: give up now rather than be refused again.
        if deadline - time.monotonic() - advised_wait(error) < _MIN_ATTEMPT_SECONDS:
            raise
    backoff = wait_random_exponential(multiplier=0.05, max=max_backoff_seconds)

    def bounded_wait(attempts_made: int, error: BaseException | None) -> float:
        wanted = max(backoff(_Made(attempts_made)), advised_wait(error))  # type: ignore[arg-type]
        left = deadline - time.monotonic() - _MIN_ATTEMPT_SECONDS
        return max(0.0, min(wanted, left))

    await asyncio.sleep(bounded_wait(1, first))
    # tenacity counts from the second attempt on: its n-th is the call's (n + 1)-th.
    retrying = AsyncRetrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(max_attempts - 1) | _BudgetSpent(deadline),
        wait=lambda state: bounded_wait(state.attempt_number + 1, _failure(state)),
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
