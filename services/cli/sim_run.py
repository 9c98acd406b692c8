"""`elig sim run FILES...`: run scenario files against a running stack and report pass or
fail per step; the exit status is 1 if any step failed.

Each run opens new cases (its request ids carry a fresh nonce), so a scenario can be run
again against the same stack. Time passes only on a stack whose services read a clock
file (ELIG_CLOCK_FILE): the runner moves it and waits for the orchestrator's rounds (the
90-day clock) to act; elsewhere a wait step is reported as skipped, not passed.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import grpc
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.cli.client import Session, TargetOption, answering
from services.harness import scenario as scenarios
from services.harness.households import HouseholdFileError
from shared.clock import parse_instant
from shared.errors import details_of

console = Console()
# Errors name files: the terminal may wrap them, rich must not break them.
err = Console(stderr=True, soft_wrap=True)
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


def _pass_time(
    stub: pb_grpc.CoordinationServiceStub, case: pb.Case, days: int, clock_file: Path
) -> pb.Case:
    """Move the stack's clock ``days`` on (every service reads ``clock_file``), then wait
    for the orchestrator's own rounds to act on what fell due: the case is read until no
    issue is past its due date, or a minute has gone by."""
    try:
        now = parse_instant(clock_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        now = case.update_time.ToDatetime(tzinfo=dt.UTC)
    later = now + dt.timedelta(days=days)
    clock_file.write_text(later.isoformat(), encoding="utf-8")
    deadline = time.monotonic() + 60
    while True:
        case = stub.GetCase(pb.GetCaseRequest(case_id=case.case_id), timeout=30).case
        overdue = [
            i
            for i in case.data_matching_issues
            if dt.date(i.due_date.year, i.due_date.month, i.due_date.day) < later.date()
        ]
        if not overdue or time.monotonic() > deadline:
            return case
        time.sleep(0.5)


def run_one(
    stub: pb_grpc.CoordinationServiceStub,
    found: scenarios.Scenario,
    clock_file: Path | None = None,
) -> list[Row]:
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
            elif clock_file is None:
                rows.append(
                    Row(
                        found.name,
                        index + 1,
                        step.label,
                        SKIP,
                        "no --clock-file: the stack's clock cannot be moved from here",
                    )
                )
                continue
            else:
                assert case is not None
                case = _pass_time(stub, case, step.days, clock_file)
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
    target: str | None = TargetOption,
    clock_file: Path = typer.Option(
        None,
        "--clock-file",
        envvar="ELIG_CLOCK_FILE",
        help="the stack's clock file (ELIG_CLOCK_FILE), to let time pass; without it, "
        "wait steps are skipped",
    ),
) -> None:
    """Run scenario files against a running stack: pass or fail per step."""
    paths = list(files or scenarios.shipped())
    try:
        loaded = [scenarios.load(p) for p in paths]
    except HouseholdFileError as error:
        err.print(f"[red]bad scenario file[/red]: {escape(str(error))}")
        raise typer.Exit(2) from None
    rows: list[Row] = []
    with answering(Session.target(target)) as channel:
        stub = pb_grpc.CoordinationServiceStub(channel)
        for found in loaded:
            rows += run_one(stub, found, clock_file)
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
