"""`elig renew --due 2027-01`: renew every case due, from agency data first, with a
progress bar and a summary. Each case is renewed through RenewCase, which does nothing for a
case already renewed for that year, so an interrupted run is simply run again."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import grpc
import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.cli.client import Session, TargetOption, fail, open_channel
from services.cli.targets import Target
from shared.errors import details_of

console = Console()
LABELS = {
    pb.RENEWAL_OUTCOME_RENEWED_FROM_DATA: "renewed from data",
    pb.RENEWAL_OUTCOME_NEEDS_PERSON: "needs the person",
    pb.RENEWAL_OUTCOME_ENDED: "ended",
    pb.RENEWAL_OUTCOME_ALREADY_RENEWED: "already renewed",
}


def _due_year(due: str) -> int:
    try:
        month = dt.date.fromisoformat(f"{due}-01")
    except ValueError:
        raise typer.BadParameter("give the month as YYYY-MM, for example 2027-01") from None
    if month.month != 1:
        raise typer.BadParameter("coverage runs by calendar year: renewals are due in January")
    return month.year


def renew(
    due: str = typer.Option(..., help="the month coverage renews, YYYY-MM (January)"),
    target: str | None = TargetOption,
) -> None:
    """Renew every case due, from agency data first; print what each renewal came to."""
    year = _due_year(due)
    started = time.perf_counter()
    where = Session.target(target)
    with open_channel(where) as channel:
        stub = pb_grpc.CoordinationServiceStub(channel)
        due_cases = _cases_for(stub, year - 1, where)
        outcomes: Counter[str] = Counter()
        questions: Counter[str] = Counter()
        for case_id in track(due_cases, description=f"renewing for {year}", console=console):
            request = pb.RenewCaseRequest(
                request_id=f"renew-{case_id}-{year}", case_id=case_id, plan_year=year
            )
            try:
                reply = stub.RenewCase(request, timeout=60)
            except grpc.RpcError as error:
                outcomes[f"error: {details_of(error).code.name}"] += 1
                continue
            outcomes[LABELS.get(reply.outcome, "unknown")] += 1
            questions["asked"] += reply.questions_asked
            questions["avoided"] += reply.questions_avoided
    console.print(f"{len(due_cases)} cases due for renewal for {year}")
    table = Table(title=f"Renewal for {year}")
    table.add_column("outcome")
    table.add_column("cases", justify="right")
    for label, count in sorted(outcomes.items()):
        table.add_row(label, str(count))
    console.print(table)
    console.print(
        f"questions asked of people: {questions['asked']} · "
        f"answered from data instead: {questions['avoided']}"
    )
    console.print(f"in {time.perf_counter() - started:.1f} s")
    if any(label.startswith("error") for label in outcomes):
        raise typer.Exit(1)


def _cases_for(stub: pb_grpc.CoordinationServiceStub, plan_year: int, where: Target) -> list[str]:
    """Every case the caller sees whose plan year is ending. A case renewed by an earlier,
    interrupted run is already for the new year, so it is not listed again."""
    found, token = [], ""
    while True:
        try:
            page = stub.ListCases(pb.ListCasesRequest(page_size=100, page_token=token), timeout=30)
        except grpc.RpcError as error:
            fail(error, where)
        found += [c.case_id for c in page.cases if c.plan_year == plan_year]
        token = page.next_page_token
        if not token:
            return found
