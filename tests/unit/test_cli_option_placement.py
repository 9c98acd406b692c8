"""Options given before the command are not overridden by an exported variable that the
command's own option of the same name used to read."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from services.cli.main import app


def test_data_dir_before_the_command_beats_elig_data_dir_and_loses_to_its_own(
    tmp_path: Path,
) -> None:
    typed, exported, own = tmp_path / "typed", tmp_path / "exported", tmp_path / "own"
    env = {"COLUMNS": "300", "ELIG_DATA_DIR": str(exported)}
    result = CliRunner().invoke(app, ["--data-dir", str(typed), "certs", "init"], env=env)
    assert result.exit_code == 0, result.output
    assert (typed / "certs" / "ca.pem").exists() and not exported.exists()

    args = ["--data-dir", str(typed), "certs", "init", "--data-dir", str(own)]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert (own / "certs" / "ca.pem").exists() and not exported.exists()
