"""`elig history <case>`: a case's standing over time in HHS's programs, one row per
period a person held a standing, read for an appeal or an audit (ListCaseEnrollmentPeriods).
`--as-of DAY` shows what held on that day."""

from __future__ import annotations

import datetime as dt

import typer
from rich.console import Console
from rich.table import Table

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli import render
from services.cli.client import Session, TargetOption, call

console = Console()
PURPOSES = {"appeal": pb.LOOK_BACK_PURPOSE_APPEAL, "audit": pb.LOOK_BACK_PURPOSE_AUDIT}
# Fields of the request as the user typed them, for a refusal to name.
OPTIONS = {
    "as_of": "--as-of",
    "purpose": "--purpose",
    "page_size": "--page-size",
    "page_token": "--page-token",
}


def default_purpose(role: str) -> str:
    """A caseworker looks back for an appeal; an auditor or a supervisor for an audit."""
    return "appeal" if role == "caseworker" else "audit"


def _as_of(text: str) -> date_pb2.Date | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter("give the day as YYYY-MM-DD, for example 2026-11-10") from None
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def _day(value: date_pb2.Date) -> str:
    return dt.date(value.year, value.month, value.day).isoformat()


def _standing(period: pb.CaseEnrollmentPeriod) -> str:
    if period.left_case:
        return "[dim]left the case[/dim]"
    return render.status_text(period.status)


def _amount(period: pb.CaseEnrollmentPeriod) -> str:
    parts = []
    if period.monthly_benefit_cents:
        parts.append(f"{render.money(period.monthly_benefit_cents)}/month")
    if period.csr_level not in (det.CSR_LEVEL_UNSPECIFIED, det.CSR_LEVEL_NONE):
        parts.append("CSR " + det.CsrLevel.Name(period.csr_level).removeprefix("CSR_LEVEL_"))
    return ", ".join(parts)


def periods_table(reply: pb.ListCaseEnrollmentPeriodsResponse, title: str) -> Table:
    """One row per period, by person and program; a person's name is not shown, only the
    id the case gives them."""
    table = Table(title=title)
    for column in ("Person", "Program", "Standing", "Amount", "From", "Until", "Decision"):
        # What a reader scans down stays on one line; the amount and decision may wrap.
        table.add_column(column, no_wrap=column not in ("Amount", "Decision"))
    last_person = None
    for period in reply.periods:
        person = period.person_id if period.person_id != last_person else ""
        last_person = period.person_id
        until = _day(period.valid_until) if period.HasField("valid_until") else "still holds"
        decision = f"#{period.set_revision}" if period.set_revision else ""
        if period.closed_revision:
            decision += f", ended by #{period.closed_revision}"
        table.add_row(
            render.shown(person),
            render.program_name(period.program),
            _standing(period),
            _amount(period),
            _day(period.valid_from),
            until,
            decision,
        )
    return table


def history(
    case_id: str = typer.Argument(
        ..., help="the case's id, as `elig submit` or `elig cases` print it"
    ),
    as_of: str = typer.Option("", "--as-of", help="only what held on this day, YYYY-MM-DD"),
    purpose: str = typer.Option(
        "",
        "--purpose",
        help="appeal or audit; default: appeal for a caseworker, audit for a supervisor or auditor",
        show_default=False,
    ),
    page_size: int = typer.Option(100, "--page-size", max=1000, help="periods per page"),
    page_token: str = typer.Option(
        "", "--page-token", help="token printed after the previous page"
    ),
    target: str | None = TargetOption,
    json: bool = typer.Option(False, "--json", help="print the periods as JSON"),
) -> None:
    """A case's standing over time in Medicaid, CHIP and the Marketplace (HHS's periods)."""
    declared = purpose or default_purpose(Session.role)
    if declared not in PURPOSES:
        raise typer.BadParameter("--purpose must be appeal or audit")
    request = pb.ListCaseEnrollmentPeriodsRequest(
        case_id=case_id,
        purpose=PURPOSES[declared],
        page_size=page_size,
        page_token=page_token,
    )
    day = _as_of(as_of)
    if day is not None:
        request.as_of.CopyFrom(day)
    reply = call(target, "ListCaseEnrollmentPeriods", request, options=OPTIONS)
    if json:
        print(render.as_json(reply))
        return
    when = f"on {as_of}" if as_of else "over time"
    title = f"Case {render.shown(case_id)}: standing {when} (for {declared})"
    if not reply.periods:
        console.print(f"{title}: HHS holds no period for this case yet", highlight=False)
    else:
        console.print(periods_table(reply, title))
    if reply.next_page_token:
        console.print(f"next page: --page-token {reply.next_page_token}", soft_wrap=True)
