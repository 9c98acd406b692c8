"""A household, event or scenario file that is not what it should be is refused in one
line naming the file and the place, with exit 2, never a Python traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from services.cli.main import app
from services.hhs.tables import TABLES
from shared.db import Database
from shared.settings import load_settings

HOUSEHOLDS = {
    "members: 5\n": "members: expected a list",
    "members: [5]\n": "members[0]: expected a mapping",
    "members:\n  - id: a\n    name: Wei Chen\n": "members[0].name: expected a mapping",
    "members:\n  - id: a\n    incomes: {kind: wages}\n": "members[0].incomes: expected a list",
    "members:\n  - id: a\n    work: 40\n": "members[0].work: expected a mapping",
    "tax_units:\n  - filers: wei\n    filing_status: single\n": "tax_units[0].filers: expected",
    "consents: {person: a}\n": "consents: expected a list",
    "address: TX\n": "address: expected a mapping",
    "plan_year: soon\n": "plan_year: 'soon' is not a whole number",
    "plan_year: 99999999999\n": "plan_year: 99999999999 is too large",
    "members:\n  - id: a\n    incomes: [{kind: wages, annual: 1e30}]\n": (
        "members[0].incomes[0].annual: '1e30' is too large an amount"
    ),
    '{"members": [\n': "not valid YAML at line 2, column 1: expected the node content",
}


def _elig(tmp_path: Path, *args: str) -> str:
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "data"), *args], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit | None), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize(("text", "said"), HOUSEHOLDS.items())
def test_a_bad_household_file_is_one_line(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "household.yaml"
    path.write_text(text, encoding="utf-8")
    for command in (["submit"], ["whatif", "--person", "a"]):
        line = _elig(tmp_path, command[0], str(path), *command[1:])
        assert line.startswith(f"bad household file: {path}: {said}"), line


def test_a_file_that_is_not_text_is_said_so(tmp_path: Path) -> None:
    path = tmp_path / "household.yaml"
    path.write_bytes(b"\xff\xfe\x00")
    line = _elig(tmp_path, "submit", str(path))
    assert line == f"bad household file: {path}: not a text file (UTF-8 expected)"


def test_a_bad_event_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "event.yaml"
    path.write_text("kind: income_change\ndate: 2026-11-01\nincomes: wages\n", encoding="utf-8")
    line = _elig(tmp_path, "report", "case-1", "--file", str(path))
    assert line == f"bad event: {path}: incomes: expected a list (- item lines), not text"
    path.write_text("kind: [birth\n", encoding="utf-8")
    assert "not valid YAML at line 2" in _elig(tmp_path, "report", "case-1", "--file", str(path))


def test_a_bad_scenario_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("name: x\nhousehold: {members: 5}\nsteps:\n  - apply: {}\n", encoding="utf-8")
    line = _elig(tmp_path, "sim", "run", str(path))
    said = "household: members: expected a list (- item lines), not a number"
    assert line == f"bad scenario file: {path}: {said}"


@pytest.mark.parametrize(
    ("step", "said"),
    [
        ("{event: 5}", "steps[1].event: expected a mapping"),
        ("{event: {kind: birth, departing: jose}}", "steps[1].event: departing: expected a list"),
        ("{wait: {days: soon}}", "steps[1].wait: 'soon' is not a whole number"),
        ("{apply: {}, issues: x}", "steps[1].issues: 'x' is not a whole number"),
    ],
)
def test_a_bad_scenario_step_is_one_line(tmp_path: Path, step: str, said: str) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(
        f"name: x\nhousehold: {{members: [{{id: a}}]}}\nsteps:\n  - apply: {{}}\n  - {step}\n",
        encoding="utf-8",
    )
    line = _elig(tmp_path, "sim", "run", str(path))
    assert line.startswith("bad scenario file: ") and f"scenario.yaml: {said}" in line, line


def _hhs_database(data_dir: Path) -> None:
    """The HHS database a stack started in ``data_dir`` would have made."""
    db = Database(load_settings("hhs", data_dir=data_dir).resolved_database_url(), TABLES)
    db.create_tables()
    db.dispose()


def _load_benchmarks(data_dir: Path, path: Path) -> Result:
    return CliRunner().invoke(
        app,
        ["--data-dir", str(data_dir), "data", "load-benchmarks", str(path), "--plan-year", "2027"],
        env={"COLUMNS": "300"},
    )


def test_a_benchmark_file_that_is_not_text_is_named(tmp_path: Path) -> None:
    path = tmp_path / "landscape.csv"
    path.write_bytes(b"\xff\xfe\x00")
    _hhs_database(tmp_path / "data")
    result = _load_benchmarks(tmp_path / "data", path)
    assert result.exit_code == 1, result.output
    assert result.output.strip() == f"refused: {path}: not a text file (a CSV in UTF-8 expected)"


def test_benchmarks_are_not_loaded_into_a_database_no_stack_has(tmp_path: Path) -> None:
    """A --data-dir that is not the stack's folder would get a new database of its own,
    which no running HHS reads: refused, and nothing is made."""
    path = tmp_path / "landscape.csv"
    path.write_text("plan year,state\n", encoding="utf-8")
    result = _load_benchmarks(tmp_path / "elsewhere", path)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("refused: no HHS database at "), result.output
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("name", ["bad name", "cw-\u0430lice"])
def test_a_caseworker_id_no_token_may_carry_is_refused_before_anything_runs(
    tmp_path: Path, name: str
) -> None:
    """Said for what it is, not later as credentials refused by the stack."""
    line = _elig(tmp_path, "--caseworker", name, "cases")
    assert line == "--caseworker: a caseworker id is 1 to 64 letters, digits or . _ @ + -"
