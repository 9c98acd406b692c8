"""Where `elig` looks for the orchestrator, and which ports `elig up` takes."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.cli.stack import SERVICES, Stack, StackError, configured_ports
from services.cli.targets import DEFAULT_TARGET, orchestrator_target, write_targets
from services.cli.tool_identity import LocalTool
from shared.settings import DEFAULT_PORTS


def test_an_explicit_target_beats_the_file_and_the_file_beats_the_default(tmp_path: Path) -> None:
    assert orchestrator_target(None, tmp_path).address == DEFAULT_TARGET
    write_targets(tmp_path, {"orchestrator": "127.0.0.1:6100"})
    found = orchestrator_target(None, tmp_path)
    assert found.address == "127.0.0.1:6100" and found.source.endswith("targets.json")
    assert orchestrator_target("10.0.0.1:7000", tmp_path).address == "10.0.0.1:7000"


def test_an_unreadable_targets_file_falls_back_to_the_default(tmp_path: Path) -> None:
    (tmp_path / "targets.json").write_text("not json")
    assert orchestrator_target(None, tmp_path).address == DEFAULT_TARGET


def test_elig_service_port_moves_one_service_and_zero_means_any_free_port(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ELIG_ORCHESTRATOR_PORT", "6100")
    monkeypatch.setenv("ELIG_USDA_PORT", "0")
    ports = Stack(tmp_path).ports
    assert ports["orchestrator"] == 6100
    assert ports["usda"] not in (0, DEFAULT_PORTS["usda"])
    assert ports["treasury"] == DEFAULT_PORTS["treasury"]
    assert set(ports) == set(SERVICES)


def test_a_port_that_is_not_a_number_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELIG_HHS_PORT", "fifty")
    with pytest.raises(StackError, match="ELIG_HHS_PORT"):
        configured_ports()


def test_ssa_unreachable_names_where_its_address_came_from_and_ssas_own_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ELIG_SSA_TARGET", raising=False)
    # Port 1 on loopback: nothing listens there.
    write_targets(tmp_path, {"ssa": "127.0.0.1:1"})
    args = ["--data-dir", str(tmp_path), "--tls-mode", "plaintext", "ssa", "record-death"]
    result = CliRunner().invoke(
        app, [*args, "--ssn", "412558301", "--date", "2026-11-01"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2, result.output
    assert "no ssa answered at 127.0.0.1:1" in result.output
    assert "targets.json" in result.output
    assert "ELIG_SSA_TARGET=HOST:PORT" in result.output
    assert "ELIG_ORCHESTRATOR_TARGET" not in result.output


def test_elig_up_refuses_a_taken_port_by_name_before_seeding_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SERVICES:
        monkeypatch.setenv(f"ELIG_{name.upper()}_PORT", "0")
    monkeypatch.setenv("ELIG_CONSOLE_PORT", "0")
    # Another stack's file in the same folder: a refused start must leave it.
    write_targets(tmp_path, {"orchestrator": "127.0.0.1:6100"})
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        monkeypatch.setenv("ELIG_ORCHESTRATOR_PORT", str(port))
        result = CliRunner().invoke(
            app, ["--data-dir", str(tmp_path), "up", "--exit"], env={"COLUMNS": "300"}
        )
    assert result.exit_code == 2, result.output
    assert f"port {port} (orchestrator) already in use" in result.output
    assert "--free-ports" in result.output and "Traceback" not in result.output
    assert not list(tmp_path.glob("*.db")) and (tmp_path / "targets.json").exists()


def test_a_command_run_away_from_the_stacks_folder_says_which_file_and_where_it_looked(
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "cases"], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert f"{tmp_path / 'keys' / 'token-signing.pem'} is missing" in result.output
    assert f"in {tmp_path} (--data-dir, ELIG_DATA_DIR)" in result.output
    assert "Errno" not in result.output


def test_elig_up_refuses_a_bad_sample_household_before_starting_anything(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("members: [\n")
    result = CliRunner().invoke(
        app,
        ["--data-dir", str(tmp_path / "data"), "up", "--demo", "--exit", "--free-ports"]
        + ["--example", str(bad)],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 2, result.output
    assert "bad household file for --example" in result.output and "not valid YAML" in result.output
    assert not (tmp_path / "data").exists()


def test_an_unreachable_stack_in_plaintext_mode_is_reminded_of_mutual_tls(tmp_path: Path) -> None:
    LocalTool(tmp_path).ensure()  # the token names the tool's certificate, even in plaintext
    write_targets(tmp_path, {"orchestrator": "127.0.0.1:1"})
    result = CliRunner().invoke(
        app,
        ["--data-dir", str(tmp_path), "--tls-mode", "plaintext", "cases"],
        env={"COLUMNS": "300", "ELIG_ORCHESTRATOR_TARGET": None},
    )
    assert result.exit_code == 2
    assert "this elig speaks plaintext" in result.output
