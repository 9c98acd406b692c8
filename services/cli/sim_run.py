"""`elig sim run FILES...`: run scenario files against a running stack and report pass or
fail per step; the exit status is 1 if any step failed.

Each run opens new cases (its request ids carry a fresh nonce), so a scenario can be run
again against the same stack. A step the stack cannot take (time passing, where the
stack's clock is the wall clock) is reported as skipped, not passed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import grpc
import typer
from rich.console import Console
from rich.table import Table

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.cli.client import Session
from services.harness import scenario as scenarios
from services.harness.households import HouseholdFileError
from shared.errors import details_of
from shared.settings import DEFAULT_PORTS

console = Console()
PASS, FAIL, SKIP = "pass", "FAIL", "skip"


@dataclass(frozen=True)
class Row:
    scenario: str
    step: int
    label: str
    result: str
    detail: str


def _refusal(error: grpc.RpcError) -> str:
    details = details_of(error)
    fields = "; ".join(f"{v.field}: {v.description}" for v in details.violations)
    return f"{details.code.name}: {fields or details.message}"


def run_one(stub: pb_grpc.CoordinationServiceStub, found: scenarios.Scenario) -> list[Row]:
    """Run one scenario's steps in order; a step that fails ends the scenario (the steps
    after it would start from the wrong case)."""
    nonce = uuid.uuid4().hex[:8]
    rows: list[Row] = []
    case: pb.Case | None = None
    for index, step in enumerate(found.steps):
        request_id = f"sim-{nonce}-{found.path.stem}-{index}"[:128]
        offered: list[int] = []
        try:
            if step.kind == "apply":
                application = pb.SubmitApplicationRequest()
                application.CopyFrom(found.application)
                application.request_id = request_id
                case = stub.SubmitApplication(application, timeout=60).case
            elif step.kind == "event":
                assert case is not None and step.event is not None
                reply = stub.ReportLifeEvent(
                    pb.ReportLifeEventRequest(
                        request_id=request_id, case_id=case.case_id, event=step.event
                    ),
                    timeout=60,
                )
                case, offered = reply.case, list(reply.offered_programs)
            elif step.kind == "renew":
                assert case is not None
                renewal = stub.RenewCase(
                    pb.RenewCaseRequest(
                        request_id=request_id, case_id=case.case_id, plan_year=step.plan_year
                    ),
                    timeout=60,
                )
                case = renewal.case
                if step.outcome and renewal.outcome != step.outcome:
                    got = pb.RenewalOutcome.Name(renewal.outcome)
                    rows.append(Row(found.name, index + 1, step.label, FAIL, f"outcome {got}"))
                    return rows
            else:
                rows.append(
                    Row(
                        found.name,
                        index + 1,
                        step.label,
                        SKIP,
                        "the stack's clock is the wall clock: time cannot be moved",
                    )
                )
                continue
        except grpc.RpcError as error:
            rows.append(Row(found.name, index + 1, step.label, FAIL, _refusal(error)))
            return rows
        wrong = scenarios.check(case, step, offered)
        result = FAIL if wrong else PASS
        detail = "; ".join(wrong) if wrong else f"{len(step.expect)} answers as expected"
        rows.append(Row(found.name, index + 1, step.label, result, detail))
        if wrong:
            return rows
    return rows


def run(
    files: list[Path] = typer.Argument(
        None, help="scenario YAML files (default: every shipped one)"
    ),
    target: str = typer.Option(
        f"127.0.0.1:{DEFAULT_PORTS['orchestrator']}", "--target", envvar="ELIG_ORCHESTRATOR_TARGET"
    ),
) -> None:
    """Run scenario files against a running stack: pass or fail per step."""
    paths = list(files or scenarios.shipped())
    try:
        loaded = [scenarios.load(p) for p in paths]
    except HouseholdFileError as error:
        console.print(f"[red]bad scenario file[/red]: {error}")
        raise typer.Exit(2) from None
    rows: list[Row] = []
    with Session.tool().channel_sync(target, Session.caseworker, Session.role) as channel:
        stub = pb_grpc.CoordinationServiceStub(channel)
        for found in loaded:
            rows += run_one(stub, found)
    table = Table(title=f"Scenarios · {len(loaded)} files")
    for column in ("scenario", "step", "", "result", "detail"):
        table.add_column(column)
    colour = {PASS: "green", FAIL: "red", SKIP: "yellow"}
    for row in rows:
        table.add_row(
            row.scenario,
            str(row.step),
            row.label,
            f"[{colour[row.result]}]{row.result}[/]",
            row.detail,
        )
    console.print(table)
    failed = sum(1 for r in rows if r.result == FAIL)
    ran = {r.scenario for r in rows}
    console.print(
        f"{len(rows)} steps: {sum(1 for r in rows if r.result == PASS)} passed, {failed} failed, "
        f"{sum(1 for r in rows if r.result == SKIP)} skipped, in {len(ran)} scenarios"
    )
    if failed:
        raise typer.Exit(1)
