"""The circuit breaker's state machine, on a clock moved by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.breaker import CircuitBreaker, State


class Ticks:
    """A monotonic clock that only moves when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _breaker(threshold: int = 3, cooldown: float = 10.0) -> tuple[CircuitBreaker, Ticks]:
    ticks = Ticks()
    return CircuitBreaker(threshold, cooldown, ticks), ticks


def _fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        assert breaker.allow()
        breaker.failed()


def test_it_stays_closed_below_the_threshold() -> None:
    breaker, _ = _breaker(threshold=3)
    _fail(breaker, 2)
    assert breaker.state is State.CLOSED and breaker.allow()


def test_the_nth_consecutive_failure_opens_it_and_calls_are_refused() -> None:
    breaker, _ = _breaker(threshold=3)
    _fail(breaker, 2)
    assert breaker.allow()
    assert breaker.failed() is True
    assert breaker.state is State.OPEN
    assert not breaker.allow()


def test_a_success_between_failures_restarts_the_count() -> None:
    breaker, _ = _breaker(threshold=3)
    _fail(breaker, 2)
    assert breaker.allow()
    breaker.succeeded()
    _fail(breaker, 2)
    assert breaker.state is State.CLOSED


def test_it_refuses_until_the_cooldown_has_passed() -> None:
    breaker, ticks = _breaker(threshold=1, cooldown=10.0)
    _fail(breaker, 1)
    ticks.now += 9.99
    assert not breaker.allow()
    ticks.now += 0.01
    assert breaker.state is State.HALF_OPEN


def test_half_open_lets_exactly_one_probe_through() -> None:
    breaker, ticks = _breaker(threshold=1)
    _fail(breaker, 1)
    ticks.now += 10
    assert breaker.allow()
    assert not breaker.allow() and not breaker.allow()


def test_a_successful_probe_closes_it() -> None:
    breaker, ticks = _breaker(threshold=2)
    _fail(breaker, 2)
    ticks.now += 10
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.state is State.CLOSED
    assert breaker.allow() and breaker.allow()


def test_a_failed_probe_opens_it_for_a_fresh_cooldown() -> None:
    breaker, ticks = _breaker(threshold=2, cooldown=10.0)
    _fail(breaker, 2)
    ticks.now += 10
    assert breaker.allow()
    assert breaker.failed() is True
    assert breaker.state is State.OPEN
    ticks.now += 9
    assert not breaker.allow()
    ticks.now += 1
    assert breaker.allow()


def test_an_abandoned_probe_frees_the_slot_for_the_next_call() -> None:
    breaker, ticks = _breaker(threshold=1)
    _fail(breaker, 1)
    ticks.now += 10
    assert breaker.allow()
    breaker.abandoned()
    assert breaker.state is State.HALF_OPEN
    assert breaker.allow()


def test_nonsense_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(0, 1.0)
    with pytest.raises(ValueError):
        CircuitBreaker(1, 0.0)


# One step of traffic: a call that succeeds, fails transiently, or is cancelled, or time
# passing (in seconds).
_STEPS = st.lists(
    st.one_of(
        st.sampled_from(["ok", "fail", "cancel"]),
        st.floats(min_value=0.0, max_value=30.0, allow_nan=False),
    ),
    max_size=60,
)


@given(steps=_STEPS, threshold=st.integers(1, 5))
def test_it_opens_only_after_threshold_failures_in_a_row_and_never_calls_while_cooling(
    steps: list[str | float], threshold: int
) -> None:
    breaker, ticks = _breaker(threshold=threshold, cooldown=10.0)
    streak = 0  # failures since the last success or opening, as seen by the callers
    opened_at: float | None = None
    for step in steps:
        if isinstance(step, float):
            ticks.now += step
            continue
        allowed = breaker.allow()
        if opened_at is not None and ticks.now - opened_at < 10.0:
            assert not allowed, "no call goes out during a cool-down"
        if not allowed:
            continue
        if step == "ok":
            breaker.succeeded()
            streak, opened_at = 0, None
        elif step == "fail":
            probing = opened_at is not None
            streak += 1
            opened = breaker.failed()
            # A closed breaker opens exactly at the threshold; a failed probe reopens it.
            assert opened == (probing or streak >= threshold)
            if opened:
                streak, opened_at = 0, ticks.now
        else:
            breaker.abandoned()
