"""The retry policy: transient codes only, and never past the budget."""

from __future__ import annotations

import grpc
import pytest

from shared.retry import call_with_retry, is_transient


class _Failure(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code


async def test_transient_failures_are_retried_until_success() -> None:
    calls: list[float] = []

    async def flaky(seconds_left: float) -> str:
        calls.append(seconds_left)
        if len(calls) < 3:
            raise _Failure(grpc.StatusCode.UNAVAILABLE)
        return "ok"

    assert await call_with_retry(flaky, budget_seconds=5) == "ok"
    assert len(calls) == 3
    # Every attempt is told how much of the budget is left, never more.
    assert all(0 < t <= 5 for t in calls) and calls == sorted(calls, reverse=True)


async def test_permanent_failures_are_not_retried() -> None:
    calls = 0

    async def refused(seconds_left: float) -> str:
        nonlocal calls
        calls += 1
        raise _Failure(grpc.StatusCode.INVALID_ARGUMENT)

    with pytest.raises(_Failure):
        await call_with_retry(refused, budget_seconds=5)
    assert calls == 1


async def test_retries_stop_when_the_budget_is_spent() -> None:
    calls = 0

    async def down(seconds_left: float) -> str:
        nonlocal calls
        calls += 1
        raise _Failure(grpc.StatusCode.UNAVAILABLE)

    with pytest.raises(_Failure):
        await call_with_retry(down, budget_seconds=0.3, max_attempts=100, max_backoff_seconds=0.2)
    # Bounded by the budget, not by the 100 attempts allowed (a logical bound, not a timing test).
    assert calls < 100


def test_only_unavailable_deadline_and_exhausted_are_transient() -> None:
    transient = {c for c in grpc.StatusCode if is_transient(_Failure(c))}
    assert transient == {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
