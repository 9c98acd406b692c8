"""Scenario files and a simulated year, run by `elig sim` against the stack started as
users start it, on the clock the scenarios were written for."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from services.cli.stack import Stack, running_stack
from services.harness import scenario

pytestmark = pytest.mark.e2e
# The day every shipped scenario is written for (its `today:`).
SCENARIO_DAY = "2026-11-25"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("sim")
    started = Stack.on_free_ports(
        folder,
        extra_env={
            "ELIG_CLOCK_FIXED_AT": f"{SCENARIO_DAY}T15:00:00Z",
            # Time passes where a scenario says so, and the orchestrator's rounds (the
            # 90-day clock) notice within a second.
            "ELIG_CLOCK_FILE": str(folder / "clock"),
            "ELIG_ORCHESTRATOR_FOLLOW_UP_INTERVAL_SECONDS": "1",
        },
    )
    with running_stack(started) as running:
        yield running


def _sim(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", "sim", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={
            **os.environ,
            "COLUMNS": "220",
            "ELIG_DATA_DIR": str(stack.data_dir),
            "ELIG_ORCHESTRATOR_TARGET": stack.target("orchestrator"),
            "ELIG_CLOCK_FILE": stack.extra_env["ELIG_CLOCK_FILE"],
        },
        check=False,
    )


def test_every_shipped_scenario_passes_and_every_event_kind_is_covered(stack: Stack) -> None:
    shipped = [scenario.load(p) for p in scenario.shipped()]
    assert len(shipped) >= 12
    kinds = {s.event.kind for found in shipped for s in found.steps if s.event is not None}
    assert len(kinds) == 10, kinds  # every LifeEventKind but UNSPECIFIED
    result = _sim(stack, "run")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.search(r"\d+ steps: \d+ passed, 0 failed, 0 skipped", result.stdout)


def test_a_simulated_year_applies_replays_events_and_renews(stack: Stack) -> None:
    result = _sim(stack, "year", "--households", "10", "--seed", "7", "--today", SCENARIO_DAY)
    assert result.returncode == 0, result.stderr[-3000:]
    counts = dict(re.findall(r"│ (\S[^│]*?)\s+│\s+(\d+) │", result.stdout))
    assert counts["applications determined"] == "10", result.stdout
    assert int(counts["life events reported"]) > 0, result.stdout
    assert not any(label.strip().startswith("refused") for label in counts), result.stdout
    assert sum(int(v) for k, v in counts.items() if k.startswith("renewals ")) == 10
