"""The whole stack started as processes, the way `make run` starts it."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from services.cli.stack import SERVICES, Stack, free_ports, running_stack
from services.harness.households import example_paths
from services.harness.population import DEFAULT_POPULATION

pytestmark = pytest.mark.e2e

EXPECTED_SERVICES = {
    "orchestrator": "eligibility.orchestrator.v1.CoordinationService",
    "treasury": "eligibility.treasury.v1.IncomeVerificationService",
    "ssa": "eligibility.ssa.v1.IdentityService",
    "hhs": "eligibility.hhs.v1.SubsidyEligibilityService",
    "usda": "eligibility.usda.v1.SnapEligibilityService",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(Stack.on_free_ports(tmp_path_factory.mktemp("stack"))) as started:
        yield started


def _elig(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "services.cli.main",
            *args,
            "--target",
            stack.target("orchestrator"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        # The tool presents the stack's certificate and mints its caseworker's token from
        # the data folder, as `elig` does beside a local stack.
        env={**os.environ, "COLUMNS": "200", "ELIG_DATA_DIR": str(stack.data_dir)},
        check=False,
    )


def test_every_service_is_serving_and_lists_itself_by_reflection(stack: Stack) -> None:
    for name in SERVICES:
        with stack.channel(name) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            service = EXPECTED_SERVICES[name]
            reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, name
            listed = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
            )
            names = {s.name for r in listed for s in r.list_services_response.service}
            assert {service, "grpc.health.v1.Health"} <= names, name


def test_the_cli_submits_an_example_and_prints_the_combined_determination(stack: Stack) -> None:
    rivera = next(p for p in example_paths() if "rivera" in p.name)
    result = _elig(stack, "submit", str(rivera), "--json")
    assert result.returncode == 0, result.stderr
    case = json.loads(result.stdout)
    assert {d["person_id"] for d in case["determinations"]} == {"maria", "jose", "sofia", "mateo"}
    assert case["household_determinations"][0]["program"] == "PROGRAM_SNAP"
    shown = _elig(stack, "case", case["case_id"])
    assert shown.returncode == 0 and "maria" in shown.stdout
    explained = _elig(stack, "explain", case["case_id"])
    assert explained.returncode == 0 and "source:" in explained.stdout


def test_the_cli_shows_records_burden_and_a_what_if_sweep(stack: Stack) -> None:
    chen = next(p for p in example_paths() if "chen" in p.name)
    assert _elig(stack, "submit", str(chen)).returncode == 0
    sweep = _elig(
        stack,
        "whatif",
        str(chen),
        "--person",
        "wei",
        "--from",
        "10000",
        "--to",
        "40000",
        "--step",
        "10000",
        "--csv",
        "-",
    )
    assert sweep.returncode == 0, sweep.stderr
    rows = list(csv.reader(sweep.stdout.splitlines()))
    assert rows[0][0] == "annual income" and [r[0] for r in rows[1:]] == [
        "10000.00",
        "20000.00",
        "30000.00",
        "40000.00",
    ]
    burden = _elig(stack, "--role", "supervisor", "burden")
    assert burden.returncode == 0 and "separate applications would ask" in burden.stdout
    disclosures = _elig(stack, "disclosures", "--ssn", "523110042")
    assert disclosures.returncode == 0 and "treasury" in disclosures.stdout
    verified = _elig(stack, "--role", "auditor", "audit-verify")
    assert verified.returncode == 0 and "intact" in verified.stdout


def test_the_cli_reports_bad_input_field_by_field(stack: Stack, tmp_path: Path) -> None:
    data = yaml.safe_load(next(p for p in example_paths() if "chen" in p.name).read_text())
    data["members"][0]["ssn"] = "12345"
    data["address"]["state"] = "QQ"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    result = _elig(stack, "submit", str(bad))
    assert result.returncode == 2
    assert "INVALID_ARGUMENT" in result.stderr
    assert "household.members[0].ssn" in result.stderr
    assert "household.address.state_code" in result.stderr


def test_logs_carry_one_correlation_id_across_hops_and_no_personal_data(stack: Stack) -> None:
    # A household no other test submits, so no fact is reused and every agency is asked.
    kowalski = next(p for p in example_paths() if "kowalski" in p.name)
    assert _elig(stack, "submit", str(kowalski)).returncode == 0
    lines = {
        name: [
            json.loads(line)
            for line in stack.log_tail(name, 10**7).splitlines()
            if line.startswith("{")
        ]
        for name in SERVICES
    }
    submits = [
        line
        for line in lines["orchestrator"]
        if line.get("method", "").endswith("/SubmitApplication") and line.get("code") == "OK"
    ]
    assert submits, "the orchestrator logs one line per call"
    correlation = submits[-1]["correlation_id"]
    for agency in ("ssa", "treasury", "hhs"):
        assert any(line.get("correlation_id") == correlation for line in lines[agency]), agency
    # No SSN, name or birth date of anyone in the synthetic population, in any log line.
    population = yaml.safe_load(DEFAULT_POPULATION.read_text())
    everything = "\n".join(stack.log_tail(name, 10**7) for name in SERVICES)
    for person in population["people"]:
        assert person["ssn"] not in everything
        assert re.search(rf"\b{person['family']}\b", everything) is None, person["family"]
        assert str(person["birth_date"]) not in everything


def test_sigterm_stops_every_service_cleanly(tmp_path: Path) -> None:
    stack = Stack.on_free_ports(tmp_path)
    with running_stack(stack):
        pass
    # running_stack sends SIGTERM; a clean shutdown exits 0 ...
    codes = stack.last_exit_codes
    assert codes == {name: 0 for name in SERVICES}, codes
    # ... and says so in its log.
    for name in SERVICES:
        events = [
            json.loads(line).get("event")
            for line in stack.log_tail(name, 10**7).splitlines()
            if line.startswith("{")
        ]
        assert "stopped" in events, name


def test_elig_up_starts_the_stack_and_shows_a_sample_determination(tmp_path: Path) -> None:
    """What `make run` does, with free ports so it cannot collide with a running stack."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.cli.main",
            "up",
            "--data-dir",
            str(tmp_path),
            "--demo",
            "--exit",
            "--free-ports",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Services (all SERVING)" in result.stdout
    assert "mode: mutual TLS" in result.stdout
    assert "Sample application: rivera-family.yaml" in result.stdout
    assert "household · SNAP" in result.stdout
    assert "caseworker console: http://127.0.0.1:" in result.stdout


def test_elig_renew_renews_the_cases_due_once_and_an_interrupted_run_resumes(
    stack: Stack, tmp_path: Path
) -> None:
    okafor = yaml.safe_load(next(p for p in example_paths() if "okafor" in p.name).read_text())
    okafor["plan_year"] = 2026  # a case whose coverage ends this year
    household = tmp_path / "okafor-2026.yaml"
    household.write_text(yaml.safe_dump(okafor))
    assert _elig(stack, "--role", "supervisor", "submit", str(household)).returncode == 0

    first = _elig(stack, "--role", "supervisor", "renew", "--due", "2027-01")
    assert first.returncode == 0, first.stderr
    assert "1 cases due" in first.stdout and "renewed from data" in first.stdout, first.stdout
    again = _elig(stack, "--role", "supervisor", "renew", "--due", "2027-01")
    assert again.returncode == 0 and "0 cases due" in again.stdout
    refused = _elig(stack, "renew", "--due", "2027-03")
    assert refused.returncode == 2 and "January" in refused.stderr


def _elig_here(stack: Stack, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`elig` as a user runs it after `elig up`: no --target, only the data folder."""
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if k != "ELIG_ORCHESTRATOR_TARGET"},
            "COLUMNS": "200",
            "ELIG_DATA_DIR": str(stack.data_dir),
            **env,
        },
        check=False,
    )


def test_the_cli_finds_a_stack_on_other_ports_through_its_data_folder(stack: Stack) -> None:
    written = json.loads((stack.data_dir / "targets.json").read_text())
    assert written["orchestrator"] == stack.target("orchestrator")
    listed = _elig_here(stack, "cases")
    assert listed.returncode == 0, listed.stderr
    assert "Cases" in listed.stdout


def test_an_unreachable_orchestrator_points_to_target_and_its_variable(stack: Stack) -> None:
    (nobody,) = free_ports(1)
    result = _elig_here(stack, "cases", ELIG_ORCHESTRATOR_TARGET=f"127.0.0.1:{nobody}")
    assert result.returncode == 2
    assert "UNAVAILABLE" in result.stderr
    assert f"127.0.0.1:{nobody}" in result.stderr
    assert "--target" in result.stderr and "ELIG_ORCHESTRATOR_TARGET" in result.stderr


def test_elig_up_listens_where_elig_service_port_says_and_prints_the_export_line(
    tmp_path: Path,
) -> None:
    ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
    result = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "up", "--data-dir", str(tmp_path), "--exit"],
        capture_output=True,
        text=True,
        timeout=180,
        env={
            **os.environ,
            "COLUMNS": "200",
            **{f"ELIG_{name.upper()}_PORT": str(port) for name, port in ports.items()},
        },
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    for port in ports.values():
        assert f"127.0.0.1:{port}" in result.stdout
    assert f"export ELIG_ORCHESTRATOR_TARGET=127.0.0.1:{ports['orchestrator']}" in result.stdout
    # A stopped stack leaves no address behind for the next command to try.
    assert not (tmp_path / "targets.json").exists()


def test_whatif_answers_for_the_plan_year_asked_and_names_its_options_in_errors(
    stack: Stack,
) -> None:
    chen = str(next(p for p in example_paths() if "chen" in p.name))
    sweep = ["whatif", chen, "--person", "wei", "--from", "30000", "--to", "30000"]
    # 2026 has a published benchmark premium: the credit is a figure, not pending.
    published = _elig(stack, *sweep, "--plan-year", "2026", "--csv", "-")
    assert published.returncode == 0, published.stderr
    rows = list(csv.reader(published.stdout.splitlines()))
    aptc = rows[0].index("total APTC/mo")
    assert rows[1][aptc] not in ("pending", "0.00"), rows
    shown = _elig(stack, *sweep, "--plan-year", "2026")
    assert "plan year 2026" in shown.stdout
    refused = _elig(stack, "whatif", chen, "--person", "wei", "--step", "0")
    assert refused.returncode == 2
    assert "--step: must be positive" in refused.stderr
    assert "step_cents" not in refused.stderr
    far = _elig(stack, *sweep, "--plan-year", "2040")
    assert far.returncode == 2 and "--plan-year" in far.stderr, far.stderr
