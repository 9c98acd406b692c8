"""Per-caller call limits: whose bucket a call spends from, which allowance applies, and
that no caller ever gets more than its burst plus the rate over the time that passed."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.context import Principal
from shared.errors import to_status
from shared.rate_limit import RATE_LIMITED, Allowance, CallLimits, caller_key

METHOD = "/eligibility.usda.v1.SnapEligibilityService/DetermineSnapEligibility"
SERVICES = frozenset({"orchestrator"})


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.at = 50.0

    def __call__(self) -> float:
        return self.at


def test_a_person_is_keyed_only_where_their_token_was_verified() -> None:
    at_the_orchestrator = Principal("caseworker-tool", "cw-1", "caseworker", "caseworker-tool")
    on_their_behalf = Principal("orchestrator", "cw-1", None, "orchestrator")
    assert caller_key(at_the_orchestrator) == "caseworker-tool/cw-1"
    # The orchestrator names the caseworker to an agency; that is its word, not a proof.
    assert caller_key(on_their_behalf) == "orchestrator"
    assert caller_key(Principal("x", None, None, "declared:x")) == "declared:x"


def test_services_the_policy_serves_get_their_allowance_and_everyone_else_the_smaller() -> None:
    ticks = Ticks()
    limits = CallLimits(Allowance(1.0, 1), Allowance(1.0, 5), clock=ticks)
    orchestrator = Principal("orchestrator")
    stranger = Principal("hhs")
    assert [limits.check(METHOD, orchestrator, SERVICES) is None for _ in range(6)] == [
        True
    ] * 5 + [False]
    assert [limits.check(METHOD, stranger, SERVICES) is None for _ in range(2)] == [True, False]
    # A person's tool is never a service, whatever its certificate is called.
    person = Principal("orchestrator", "cw-1", "caseworker")
    assert [limits.check(METHOD, person, SERVICES) is None for _ in range(2)] == [True, False]


def test_health_and_reflection_are_never_limited() -> None:
    limits = CallLimits(Allowance(1.0, 1), Allowance(1.0, 1), clock=Ticks())
    for method in (
        "/grpc.health.v1.Health/Check",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    ):
        assert all(limits.check(method, Principal("hhs"), SERVICES) is None for _ in range(50))


def test_a_rate_of_zero_is_no_limit() -> None:
    limits = CallLimits(Allowance(0, 1), Allowance(0, 1), clock=Ticks())
    assert all(limits.check(METHOD, Principal("hhs"), SERVICES) is None for _ in range(500))


def test_the_refusal_says_how_long_to_wait_and_fits_the_trailers() -> None:
    ticks = Ticks()
    limits = CallLimits(Allowance(4.0, 2), Allowance(4.0, 2), clock=ticks)
    assert limits.check(METHOD, Principal("hhs"), SERVICES) is None
    assert limits.check(METHOD, Principal("hhs"), SERVICES) is None
    ticks.at += 0.125
    error = limits.check(METHOD, Principal("hhs"), SERVICES)
    assert error is not None
    assert (error.code, error.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, RATE_LIMITED)
    assert error.retry_delay == dt.timedelta(seconds=0.125)
    assert [v.subject for v in error.quota_violations] == ["caller:hhs"]
    assert to_status(error).code == grpc.StatusCode.RESOURCE_EXHAUSTED


@pytest.mark.parametrize(("rate", "burst"), [(-1.0, 5), (1.0, 0)])
def test_an_allowance_needs_a_rate_of_zero_or_more_and_a_burst(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        Allowance(rate, burst)


callers = st.sampled_from(["orchestrator", "hhs", "treasury"])


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(min_value=0.5, max_value=50),
    burst=st.integers(min_value=1, max_value=40),
    steps=st.lists(st.tuples(st.floats(min_value=0, max_value=1), callers), max_size=120),
)
def test_no_caller_ever_gets_more_than_its_burst_plus_the_rate_over_time(
    rate: float, burst: int, steps: list[tuple[float, str]]
) -> None:
    ticks = Ticks()
    start = ticks.at
    limits = CallLimits(Allowance(rate, burst), Allowance(rate, burst), clock=ticks)
    admitted = dict.fromkeys(["orchestrator", "hhs", "treasury"], 0)
    for pause, caller in steps:
        ticks.at += pause
        error = limits.check(METHOD, Principal(caller), SERVICES)
        if error is None:
            admitted[caller] += 1
        else:
            # Waiting as told is enough, whatever the other callers do meanwhile.
            assert error.retry_delay is not None
            ticks.at += error.retry_delay.total_seconds() + 1e-9
            assert limits.check(METHOD, Principal(caller), SERVICES) is None
            admitted[caller] += 1
        for count in admitted.values():
            assert count <= burst + rate * (ticks.at - start) + 1e-6


def test_the_default_allowance_never_holds_back_the_benchs_traffic() -> None:
    """The orchestrator at an agency, 300 calls a second (ten times the bench), and one
    caseworker driving the orchestrator at 150 a second from a script, for ten minutes."""
    ticks = Ticks()
    limits = CallLimits(clock=ticks)
    person = Principal("caseworker-tool", "cw-bench", "caseworker")
    held = 0
    for _ in range(300 * 600):
        ticks.at += 1 / 300
        held += limits.check(METHOD, Principal("orchestrator"), SERVICES) is not None
    for _ in range(150 * 600):
        ticks.at += 1 / 150
        held += limits.check(METHOD, person, frozenset()) is not None
    assert held == 0
