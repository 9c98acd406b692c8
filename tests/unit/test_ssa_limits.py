"""SSA's per-caller limit on identity checks and its watch for runs of non-matches."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.ssa import limiter
from services.ssa.limiter import TokenBuckets
from services.ssa.mismatch_runs import MismatchRuns
from services.ssa.server import guards
from shared.settings import ServiceSettings, load_settings


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


def test_a_caller_gets_its_burst_at_once_then_waits_for_the_rate() -> None:
    ticks = Ticks()
    buckets = TokenBuckets(rate=2.0, burst=5, clock=ticks)
    assert buckets.take("probe", 5).allowed
    refused = buckets.take("probe", 1)
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(0.5)
    ticks.at += 0.5
    assert buckets.take("probe", 1).allowed


def test_the_wait_named_is_for_the_whole_request() -> None:
    ticks = Ticks()
    buckets = TokenBuckets(rate=4.0, burst=10, clock=ticks)
    assert buckets.take("probe", 9).allowed
    decision = buckets.take("probe", 5)  # 1 left, 4 short
    assert (decision.allowed, decision.retry_after) == (False, pytest.approx(1.0))
    ticks.at += 1.0
    assert buckets.take("probe", 5).allowed


def test_callers_have_buckets_of_their_own() -> None:
    buckets = TokenBuckets(rate=1.0, burst=3, clock=Ticks())
    assert buckets.take("probe", 3).allowed
    assert not buckets.take("probe", 1).allowed
    assert buckets.take("orchestrator", 3).allowed


def test_a_refusal_spends_nothing() -> None:
    ticks = Ticks()
    buckets = TokenBuckets(rate=1.0, burst=4, clock=ticks)
    assert buckets.take("probe", 3).allowed
    assert not buckets.take("probe", 4).allowed
    assert buckets.take("probe", 1).allowed


def test_a_drained_caller_stays_drained_while_many_others_come_and_go() -> None:
    ticks = Ticks()
    buckets = TokenBuckets(rate=1.0, burst=3, clock=ticks)
    assert buckets.take("probe", 3).allowed
    for i in range(limiter.MAX_CALLERS * 2):
        buckets.take(f"other-{i}", 1)
    assert not buckets.take("probe", 1).allowed


@pytest.mark.parametrize(("rate", "burst"), [(0, 5), (-1, 5), (1, 0)])
def test_a_limit_without_a_positive_rate_and_burst_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        TokenBuckets(rate=rate, burst=burst)


@pytest.mark.parametrize("cost", [0, 6])
def test_a_request_must_cost_between_one_and_the_burst(cost: int) -> None:
    with pytest.raises(ValueError):
        TokenBuckets(rate=1.0, burst=5).take("probe", cost)


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(min_value=0.5, max_value=50),
    burst=st.integers(min_value=1, max_value=40),
    steps=st.lists(
        st.tuples(st.floats(min_value=0, max_value=2), st.integers(min_value=1, max_value=40)),
        max_size=60,
    ),
)
def test_no_caller_ever_gets_more_than_its_burst_plus_the_rate_over_time(
    rate: float, burst: int, steps: list[tuple[float, int]]
) -> None:
    ticks = Ticks()
    start = ticks.at
    buckets = TokenBuckets(rate=rate, burst=burst, clock=ticks)
    spent = 0
    for pause, cost in steps:
        ticks.at += pause
        cost = min(cost, burst)
        decision = buckets.take("probe", cost)
        if decision.allowed:
            spent += cost
        else:
            # Waiting as told is enough, when no one else spends meanwhile.
            ticks.at += decision.retry_after + 1e-9
            assert buckets.take("probe", cost).allowed
            spent += cost
        assert spent <= burst + rate * (ticks.at - start) + 1e-6


def test_the_default_limit_never_holds_back_the_benchs_traffic() -> None:
    """Thirty applications a second, each asking about five people (more than any
    shipped household), for ten simulated minutes."""
    ticks = Ticks()
    buckets = TokenBuckets(clock=ticks)
    refused = 0
    for _ in range(30 * 600):
        ticks.at += 1 / 30
        refused += not buckets.take("orchestrator", 5).allowed
    assert refused == 0


def test_the_settings_default_to_the_limits_the_limiter_explains() -> None:
    defaults = ServiceSettings.model_fields
    assert defaults["identity_checks_per_second"].default == limiter.DEFAULT_RATE
    assert defaults["identity_check_burst"].default == limiter.DEFAULT_BURST
    assert defaults["identity_mismatch_run"].default == 5


def test_the_limits_are_read_from_settings_and_a_burst_below_one_request_is_refused(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    buckets, runs = guards(
        load_settings(
            "ssa",
            data_dir=tmp_path,
            identity_checks_per_second=3,
            identity_check_burst=60,
            identity_mismatch_run=7,
        )
    )
    assert (buckets.rate, buckets.burst, runs.threshold) == (3, 60, 7)
    with pytest.raises(SystemExit):
        guards(load_settings("ssa", data_dir=tmp_path, identity_check_burst=49))


def test_a_run_is_reported_at_its_fifth_non_match_and_every_fifth_after() -> None:
    runs = MismatchRuns(threshold=5)
    reported = [runs.observe("probe", [False]) for _ in range(11)]
    assert reported[4] == [(0, 5)] and reported[9] == [(0, 10)]
    assert sum(reported, []) == [(0, 5), (0, 10)]


def test_a_match_ends_a_run() -> None:
    runs = MismatchRuns(threshold=3)
    assert runs.observe("probe", [False, False, True, False, False]) == []
    assert runs.observe("probe", [False]) == [(0, 3)]


def test_runs_are_counted_per_caller_and_named_by_position() -> None:
    runs = MismatchRuns(threshold=3)
    assert runs.observe("probe", [False, False]) == []
    assert runs.observe("orchestrator", [False, False]) == []
    assert runs.observe("probe", [True, False, False, False, False]) == [(3, 3)]


@settings(max_examples=200, deadline=None)
@given(
    threshold=st.integers(min_value=1, max_value=6),
    answers=st.lists(st.tuples(st.sampled_from(["a", "b"]), st.booleans()), max_size=80),
)
def test_each_stretch_of_non_matches_is_reported_once_per_threshold_reached(
    threshold: int, answers: list[tuple[str, bool]]
) -> None:
    runs = MismatchRuns(threshold=threshold)
    reported: dict[str, list[int]] = {"a": [], "b": []}
    for caller, matched in answers:
        reported[caller] += [length for _, length in runs.observe(caller, [matched])]
    for caller in ("a", "b"):
        mine = [matched for c, matched in answers if c == caller]
        stretches = [len(list(g)) for matched, g in itertools.groupby(mine) if not matched]
        expected = [n for s in stretches for n in range(threshold, s + 1, threshold)]
        assert reported[caller] == expected
