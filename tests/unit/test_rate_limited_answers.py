"""What a caller over its limit hears: the console and the command line say how long to
wait, and the orchestrator's calls to an agency wait as long as the agency asked."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
import typer

from services.cli.client import fail
from services.console.problems import problem_of
from shared.errors import QuotaViolation, ServiceError, to_status
from shared.rate_limit import RATE_LIMITED
from shared.retry import call_with_retry


class _Failed(grpc.RpcError):
    """A failed call as a client sees it: code, message and the rich status trailers."""

    def __init__(self, error: ServiceError) -> None:
        self._status = to_status(error)

    def code(self) -> grpc.StatusCode:
        return self._status.code

    def details(self) -> str:
        return self._status.details

    def trailing_metadata(self):  # type: ignore[no-untyped-def]
        return self._status.trailing_metadata


def _limited(seconds: float) -> _Failed:
    return _Failed(
        ServiceError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            RATE_LIMITED,
            "'caseworker-console/cw-1' may make 300 calls a second here",
            retry_delay=dt.timedelta(seconds=seconds),
            quota_violations=[QuotaViolation("caller:caseworker-console/cw-1", "300 a second")],
        )
    )


def test_the_console_tells_the_caseworker_how_long_to_wait() -> None:
    problem = problem_of(_limited(2.2), "127.0.0.1:50050")
    assert (problem.http_status, problem.title) == (429, "Too many requests")
    assert problem.advice == "Wait 3 seconds, then try again."
    assert problem.retry_after == 3


def test_the_command_line_says_how_long_to_wait(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit):
        fail(_limited(1.5))
    printed = capsys.readouterr().err
    assert "RESOURCE_EXHAUSTED" in printed
    assert "wait 1.5 s, then run the command again" in printed


async def test_a_wait_longer_than_the_budget_ends_the_retries_at_once() -> None:
    calls = 0

    async def limited(seconds_left: float) -> str:
        nonlocal calls
        calls += 1
        raise _limited(30.0)

    with pytest.raises(grpc.RpcError):
        await call_with_retry(limited, budget_seconds=2.0, max_attempts=50)
    # The agency will not take the call before the deadline: asking again only spends it.
    assert calls == 1


async def test_the_wait_before_trying_again_is_at_least_what_the_agency_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []

    async def note(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("shared.retry.asyncio.sleep", note)
    calls = 0

    async def limited_once(seconds_left: float) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise _limited(0.75)
        return "ok"

    assert await call_with_retry(limited_once, budget_seconds=5.0, max_backoff_seconds=0.01) == "ok"
    assert calls == 2
    # Its own backoff would have waited a hundredth of a second, and been refused again.
    assert waits == [0.75]
