"""The simulated year's plan and the clock a simulator moves: the same seed gives the same
year, nothing is dated after its last day, and every service reads one moved clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.cli.sim_clock import ClockAhead, SimClock
from services.harness import scenario, year
from services.harness.synthetic import generate
from shared.clock import FileClock, FixedClock

END = dt.date(2026, 11, 25)


def _homes() -> list[dict]:  # type: ignore[type-arg]
    import json

    # As the households file holds them: JSON, dates as text.
    return [
        json.loads(json.dumps(h, default=str))
        for h in generate(200, 5, today=END, plan_year=2026).households
    ]


def test_the_same_seed_gives_the_same_year_and_nothing_after_its_last_day() -> None:
    first, joining = year.plan(_homes(), 5, END)
    again, _ = year.plan(_homes(), 5, END)
    assert first == again and first
    assert all(p.event["date"] <= END for p in first)
    assert [p.month for p in first] == sorted(p.month for p in first)
    # Everyone who joins is new to the population.
    taken = {m["ssn"] for h in _homes() for m in h["members"]}
    assert not {p["ssn"] for p in joining} & taken


def test_each_planned_event_reads_as_a_life_event() -> None:
    planned, _ = year.plan(_homes(), 5, END)
    kinds = {scenario.event_from_dict(p.event, p.kind).kind for p in planned}
    assert len(kinds) >= 8


def test_a_file_clock_follows_its_file_and_falls_back_until_it_is_written(tmp_path: Path) -> None:
    base = FixedClock(dt.datetime(2026, 11, 25, 15, tzinfo=dt.UTC))
    path = tmp_path / "clock"
    clock = FileClock(path, base)
    assert clock.now() == base.now()
    path.write_text("2027-02-24T15:00:00+00:00")
    assert clock.now() == dt.datetime(2027, 2, 24, 15, tzinfo=dt.UTC)


def test_a_simulator_moves_the_clock_file_only_forward(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    moved = SimClock(path)
    assert moved.reads() is None
    first = dt.datetime(2025, 12, 1, 12, tzinfo=dt.UTC)
    assert moved.move_to(first) == first
    read = FileClock(path, FixedClock(dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    assert read.now() == first
    # An earlier time leaves the clock where it is.
    assert moved.move_to(first - dt.timedelta(days=30)) == first
    assert read.now() == first
    with pytest.raises(ClockAhead):
        moved.check_not_after(first - dt.timedelta(seconds=1))
    later = first + dt.timedelta(days=91)
    assert moved.move_to(later) == later and read.now() == later
    assert not list(tmp_path.glob("*.part"))


def test_elig_up_gives_every_service_the_clock_file_and_quick_rounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.cli.main import _clock_env

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ELIG_FOLLOW_UP_INTERVAL_SECONDS", raising=False)
    monkeypatch.delenv("ELIG_ORCHESTRATOR_FOLLOW_UP_INTERVAL_SECONDS", raising=False)
    env = _clock_env(Path("clock"))
    # Services may run from another folder: the path they get is absolute.
    assert env == {
        "ELIG_CLOCK_FILE": str(tmp_path / "clock"),
        "ELIG_ORCHESTRATOR_FOLLOW_UP_INTERVAL_SECONDS": "1",
    }
    monkeypatch.setenv("ELIG_FOLLOW_UP_INTERVAL_SECONDS", "5")
    assert "ELIG_ORCHESTRATOR_FOLLOW_UP_INTERVAL_SECONDS" not in _clock_env(Path("clock"))


def test_elig_sim_year_refuses_a_today_that_is_not_a_date() -> None:
    result = CliRunner().invoke(app, ["sim", "year", "--today", "garbage"], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert "--today must be a date, YYYY-MM-DD" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
