"""`elig` alone, or a command group alone (`elig sim`), shows what there is to type rather
than "Missing command"."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from services.cli.main import app


@pytest.mark.parametrize(
    ("args", "listed"),
    [
        ([], ["submit", "cases", "explain", "sim"]),
        (["sim"], ["population", "run", "year"]),
        (["certs"], ["init", "token"]),
        (["ssa"], ["record-death"]),
    ],
)
def test_a_bare_command_lists_what_follows_it(args: list[str], listed: list[str]) -> None:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert "Missing command" not in result.output
    assert "Commands" in result.output
    for name in listed:
        assert f" {name} " in result.output, result.output
