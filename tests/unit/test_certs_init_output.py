"""`elig certs init` lists every certificate it made with the paths in one column."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from services.cli.main import app


def test_every_certificate_path_starts_in_the_same_column(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path), "certs", "init"], env={"ELIG_DATA_DIR": None}
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("identity")]
    assert any("caseworker-console" in line for line in lines)
    assert len({line.index(str(tmp_path)) for line in lines}) == 1, result.output
