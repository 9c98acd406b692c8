"""Scenario files and a simulated year, run by `elig sim` against the stack started as
users start it, on the clock the scenarios were written for."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.cli.sim_clock import SimClock
from services.cli.stack import Stack, running_stack
from services.harness import scenario
from services.harness.households import example_paths, load_request
from shared.clock import parse_instant

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


@pytest.fixture(scope="module")
def year_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own: a year starts a year before its last day, and the scenarios'
    stack has had its clock moved past that already (time never moves back)."""
    folder = tmp_path_factory.mktemp("year")
    started = Stack.on_free_ports(
        folder,
        extra_env={
            # Until the year's first day is written to the file, the stack stands before it.
            "ELIG_CLOCK_FIXED_AT": "2025-11-30T00:00:00Z",
            "ELIG_CLOCK_FILE": str(folder / "clock"),
            "ELIG_ORCHESTRATOR_FOLLOW_UP_INTERVAL_SECONDS": "1",
        },
    )
    with running_stack(started) as running:
        yield running


def test_a_simulated_year_moves_the_clock_and_settles_what_ran_out(year_stack: Stack) -> None:
    result = _sim(year_stack, "year", "--households", "20", "--seed", "7", "--today", SCENARIO_DAY)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # Indented rows (the kinds of events, of notices, of refusals) are read too.
    rows = re.findall(r"│\s+(\S[^│]*?)\s+│\s+(\d+) │", result.stdout)
    counts = {k: int(v) for k, v in rows}
    assert counts["applications determined"] == 20, result.stdout
    assert counts["life events reported"] > 0, result.stdout
    # No change refused ("refused <kind>: <code>") and no application refused.
    assert not any(k.startswith(("refused ", "applications refused")) for k in counts), (
        result.stdout
    )
    assert sum(v for k, v in counts.items() if k.startswith("renewals ")) == 20
    # The clock ran from the year's first day past the last issue's period: every issue
    # opened was cleared or settled by rule, and the agencies answered every notice.
    assert counts["pending issues opened"] > 0, result.stdout
    assert counts["pending issues settled by the 90-day rule"] > 0, result.stdout
    assert counts["pending issues still open"] == 0, result.stdout
    assert counts["notifications written"] == counts["acknowledged"] > 0, result.stdout
    assert counts["for settlements by rule"] > 0, result.stdout
    # Every application told HHS or USDA (or both) its first answers.
    assert counts["for applications"] >= counts["applications determined"] > 0, result.stdout
    assert "the stack's clock moved from 2025-12-01 to 2027-" in result.stdout, result.stdout
    clock = Path(year_stack.extra_env["ELIG_CLOCK_FILE"]).read_text(encoding="utf-8")
    assert clock.startswith("2027-"), clock

    # Run again on the same stack, the clock is already past that year's start: refused,
    # never moved back.
    again = _sim(year_stack, "year", "--households", "2", "--seed", "8", "--today", SCENARIO_DAY)
    assert again.returncode == 2, again.stdout[-2000:]
    assert "time only moves forward" in again.stdout
    assert Path(year_stack.extra_env["ELIG_CLOCK_FILE"]).read_text(encoding="utf-8") == clock


def _wait_for(read: Callable[[], pb.Case], done: Callable[[pb.Case], bool]) -> pb.Case:
    """The case as read until ``done`` (the orchestrator's rounds and its dispatcher run
    in the background), or as last read after a minute."""
    deadline = time.monotonic() + 60
    case = read()
    while not done(case) and time.monotonic() < deadline:
        time.sleep(0.5)
        case = read()
    return case


def _settled(case: pb.Case) -> int:
    return sum(1 for e in case.history if e.kind == pb.CASE_EVENT_KIND_ISSUE_SETTLED)


def _all_acknowledged(case: pb.Case) -> bool:
    return bool(case.notifications) and all(
        n.state == pb.NOTIFICATION_STATE_ACKNOWLEDGED for n in case.notifications
    )


def test_a_settlement_by_rule_is_told_to_the_agencies_once(stack: Stack) -> None:
    clock = SimClock(Path(stack.extra_env["ELIG_CLOCK_FILE"]))
    start = clock.reads() or parse_instant(stack.extra_env["ELIG_CLOCK_FIXED_AT"])
    path = next(p for p in example_paths() if "kowalski" in p.name)
    with stack.channel("orchestrator") as channel:
        stub = pb_grpc.CoordinationServiceStub(channel)

        def open_(request_id: str) -> pb.Case:
            return stub.SubmitApplication(load_request(path, request_id), timeout=60).case

        def reader(case: pb.Case) -> Callable[[], pb.Case]:
            request = pb.GetCaseRequest(case_id=case.case_id)
            return lambda: stub.GetCase(request, timeout=30).case

        suffix = start.strftime("%Y%m%d%H%M%S")
        case = open_(f"told-once-{suffix}")
        assert case.data_matching_issues
        # Only the application's own notices so far, its pending answers to HHS and USDA.
        applied = le.LIFE_EVENT_KIND_APPLIED
        assert {(n.agency, n.kind) for n in case.notifications} == {
            ("hhs", applied),
            ("usda", applied),
        }

        clock.move_to(start + dt.timedelta(days=91))
        case = _wait_for(reader(case), lambda c: _settled(c) > 0 and _all_acknowledged(c))
        assert not case.data_matching_issues and _settled(case) == 1
        told = {(n.agency, n.kind, n.state) for n in case.notifications}
        done = pb.NOTIFICATION_STATE_ACKNOWLEDGED
        settled = le.LIFE_EVENT_KIND_ISSUE_SETTLED
        assert told == {
            ("hhs", applied, done),
            ("usda", applied, done),
            ("hhs", settled, done),
            ("usda", settled, done),
        }, told
        acknowledged = [
            e.detail
            for e in case.history
            if e.kind == pb.CASE_EVENT_KIND_ACKNOWLEDGED and "settled by rule" in e.detail
        ]
        assert sorted(d.split(" ")[0] for d in acknowledged) == ["hhs", "usda"], acknowledged

        # Time moves on, far enough for another case's issue to be settled (so the rounds
        # ran after the move): the first case is not settled again, nor told again.
        witness = open_(f"told-once-witness-{suffix}")
        clock.move_to(start + dt.timedelta(days=2 * 91 + 1))
        assert _settled(_wait_for(reader(witness), lambda c: _settled(c) > 0)) == 1
        again = _wait_for(reader(case), _all_acknowledged)
        assert _settled(again) == 1
        assert len(again.notifications) == 4  # the application's two, the settlement's two
