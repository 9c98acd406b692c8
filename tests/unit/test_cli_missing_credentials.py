"""Every command that calls the orchestrator says where it looked for the tool's
credentials when they are not there, rather than a traceback; and a command's own
--data-dir is where it looks."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.cli.tool_identity import LocalTool

COMMANDS = (
    ["sim", "run"],
    ["--role", "supervisor", "renew", "--due", "2027-01"],
    ["watch", "case-1"],
    ["sim", "year", "--households", "1"],
)


def _said(result_output: str, folder: Path) -> None:
    assert f"{folder / 'keys' / 'token-signing.pem'} is missing" in result_output
    assert f"in {folder} (--data-dir, ELIG_DATA_DIR)" in result_output
    assert "Traceback" not in result_output and "Errno" not in result_output


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_missing_credentials_are_named_by_every_command(tmp_path: Path, command: list[str]) -> None:
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path), *command], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    _said(result.output, tmp_path)


def test_sim_years_own_data_dir_is_where_it_looks_before_writing_anything(tmp_path: Path) -> None:
    folder = tmp_path / "year"
    result = CliRunner().invoke(
        app,
        ["sim", "year", "--households", "1", "--data-dir", str(folder)],
        env={"COLUMNS": "300", "ELIG_DATA_DIR": str(tmp_path / "elsewhere")},
    )
    assert result.exit_code == 2, result.output
    _said(result.output, folder)
    assert not folder.exists() and not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("command", [["sim", "year", "--households", "1"], ["sim", "run"]])
def test_long_runs_stop_at_once_when_no_orchestrator_answers(
    tmp_path: Path, command: list[str]
) -> None:
    LocalTool(tmp_path).ensure()
    # Port 1 on loopback: nothing listens there.
    args = ["--data-dir", str(tmp_path), "--target", "127.0.0.1:1", *command]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    assert "no orchestrator answered at 127.0.0.1:1 (from --target)" in result.output
    assert not (tmp_path / "sim").exists() and not list(tmp_path.glob("*.db"))
