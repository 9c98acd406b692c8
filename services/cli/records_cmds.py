"""CLI commands about people's records: consents, who saw their data, the audit chain,
the burden ledger, and the what-if income sweep."""

from __future__ import annotations

import csv
import sys
import uuid
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli import render
from services.cli.client import TargetOption, call
from services.cli.disclosures import fold
from services.harness.households import HouseholdFileError, load_request
from shared.csv_cells import text_cell

console = Console()
# Errors name files and addresses: the terminal may wrap them, rich must not break them.
err = Console(stderr=True, soft_wrap=True)
# SSNs are prompted for, hidden, so they stay out of shell history unless given on purpose.
SsnOption = typer.Option(
    ...,
    "--ssn",
    prompt="SSN (nine digits)",
    hide_input=True,
    help="the person's SSN; asked for, hidden, when left out",
)


def _time(stamp) -> str:  # type: ignore[no-untyped-def]
    return stamp.ToDatetime().isoformat(timespec="seconds") + "Z" if stamp.seconds else ""


def consents(ssn: str = SsnOption, target: str | None = TargetOption) -> None:
    """The consents a person has given, and whether each is in force."""
    reply = call(target, "ListConsents", pb.ListConsentsRequest(ssn=ssn))
    table = Table(title="Consents")
    for column in ("Consent", "Agencies", "Facts", "Granted", "Expires", "Revoked"):
        table.add_column(column)
    for c in reply.consents:
        table.add_row(
            c.consent_id,
            ", ".join(c.agencies),
            ", ".join(c.facts),
            _time(c.grant_time),
            _time(c.expire_time),
            _time(c.revoke_time) or "-",
        )
    console.print(table)


def revoke(
    consent_id: str,
    reason: str = typer.Option("asked by the person", help="recorded with the revocation"),
    target: str | None = TargetOption,
) -> None:
    """Withdraw a consent: no agency is asked for data under it again."""
    reply = call(
        target,
        "RevokeConsent",
        pb.RevokeConsentRequest(request_id=str(uuid.uuid4()), consent_id=consent_id, reason=reason),
    )
    console.print(
        f"consent {reply.consent.consent_id} revoked at {_time(reply.consent.revoke_time)}"
    )


def disclosures(
    ssn: str = SsnOption,
    target: str | None = TargetOption,
    raw: bool = typer.Option(False, "--raw", help="every audit entry, requests and outcomes apart"),
) -> None:
    """Who saw a person's data, when and why."""
    reply = call(target, "GetDisclosureReport", pb.GetDisclosureReportRequest(ssn=ssn))
    console.print(disclosures_table(reply, raw))


def disclosures_table(reply: pb.GetDisclosureReportResponse, raw: bool = False) -> Table:
    table = Table(title="Disclosures")
    for column in (
        "#",
        "When",
        "Who",
        "Caseworker",
        "Facts",
        "Purpose",
        "Outcome",
        "Case",
        "Detail",
    ):
        # Times and case ids whole (folded if need be): cut short they say nothing, and
        # time-ordered case ids share their first characters.
        table.add_column(column, overflow="fold")
    if raw:
        rows = [(str(d.seq), d, d.outcome) for d in reply.disclosures]
    else:
        # A request and its outcome on one line ("#" shows both entries' seq).
        rows = [(line.seqs, line.entry, line.outcome) for line in fold(reply.disclosures)]
    for seq, d, outcome in rows:
        table.add_row(
            seq,
            _time(d.time),
            d.actor_service,
            render.shown(d.actor_caseworker) or "-",
            ", ".join(d.facts),
            d.purpose,
            outcome,
            d.case_id,
            render.shown(d.detail),
        )
    return table


def audit_verify(target: str | None = TargetOption) -> None:
    """Recompute the orchestrator's audit hash chain; exit 1 if it was tampered with."""
    reply = call(target, "VerifyAuditLog", pb.VerifyAuditLogRequest())
    if reply.ok:
        console.print(f"[green]audit chain intact[/green]: {reply.entries_checked} entries checked")
        return
    err.print(
        f"[red]audit chain broken[/red] at entry {reply.bad_seq}: {reply.problem}: {render.shown(reply.message)}"
    )
    raise typer.Exit(1)


def burden(
    case_id: str = typer.Argument("", help="one case; every case when left out"),
    target: str | None = TargetOption,
) -> None:
    """Questions asked, prefilled and verified from data, against separate applications."""
    report = call(target, "GetBurdenReport", pb.GetBurdenReportRequest(case_id=case_id)).report
    scope = f"case {case_id}" if case_id else f"all {report.cases} cases"
    table = Table(title=f"Burden ledger · {scope}")
    for column in ("Question", "Asked", "Prefilled", "Verified from data", "Passed on"):
        table.add_column(column)
    for line in report.lines:
        table.add_row(
            line.question,
            str(line.asked),
            str(line.prefilled),
            str(line.verified_from_data),
            # A reported change's answer, passed on to another program or agency.
            str(line.shared) if line.shared else "",
        )
    console.print(table)
    console.print(
        f"questions asked: {report.questions_asked} · separate applications would ask "
        f"{report.questions_separately} · saved {report.questions_saved} "
        f"≈ {report.minutes_saved:g} minutes at {report.minutes_per_question:g} min/question"
    )
    if report.renewal_questions_asked or report.renewal_questions_avoided:
        console.print(
            f"renewals: asked the person {report.renewal_questions_asked} · answered from "
            f"data {report.renewal_questions_avoided}"
        )
    console.print(f"[dim]minutes per question: {report.minutes_source}[/dim]")


# The sweep's request fields as `elig whatif` spells them.
WHATIF_OPTIONS = {
    "from_annual_cents": "--from",
    "to_annual_cents": "--to",
    "step_cents": "--step",
    "person_id": "--person",
    "plan_year": "--plan-year (or the file's plan_year)",
}


def whatif(
    household: Path = typer.Argument(..., exists=True, dir_okay=False, help="household YAML"),
    person: str = typer.Option(..., help="person_id whose annual income is swept"),
    start: float = typer.Option(0.0, "--from", help="first annual income, dollars"),
    stop: float = typer.Option(80_000.0, "--to", help="last annual income, dollars"),
    step: float = typer.Option(5_000.0, help="step, dollars"),
    plan_year: int = typer.Option(
        None,
        "--plan-year",
        help="the coverage year to answer for (default: the household file's plan_year)",
        show_default=False,
    ),
    csv_path: Path = typer.Option(
        None, "--csv", help="also write the table as CSV here ('-' for stdout)"
    ),
    target: str | None = TargetOption,
) -> None:
    """Sweep one member's income and show every program's answer at each step (benefit cliffs)."""
    try:
        application = load_request(household, "what-if")
    except HouseholdFileError as error:
        err.print(f"[red]bad household file[/red]: {escape(str(error))}")
        raise typer.Exit(2) from None
    reply = call(
        target,
        "SimulateIncomeSweep",
        pb.SimulateIncomeSweepRequest(
            household=application.household,
            programs=application.programs,
            plan_year=plan_year or application.plan_year,
            person_id=person,
            from_annual_cents=round(start * 100),
            to_annual_cents=round(stop * 100),
            step_cents=round(step * 100),
        ),
        timeout=120,
        options=WHATIF_OPTIONS,
    )
    header, rows = sweep_rows(reply.steps)
    if csv_path is not None and str(csv_path) == "-":
        csv.writer(sys.stdout).writerows([header, *sweep_rows(reply.steps, plain=True)[1]])
        return
    year = plan_year or application.plan_year
    table = Table(
        title=f"What if {person} earned… (plan year {year})"
        if year
        else f"What if {person} earned…"
    )
    for column in header:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if csv_path is not None:
        with open(csv_path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *sweep_rows(reply.steps, plain=True)[1]])
        console.print(f"written: {csv_path}")


PENDING = "pending"


def _total_aptc(answers: list[det.ProgramDetermination], money) -> str:  # type: ignore[no-untyped-def]
    """The household's credit a month; "pending" while any member's credit is not yet
    known, since a sum without it would read as a real $0.00."""
    credits = [p for p in answers if p.program == det.PROGRAM_MARKETPLACE]
    unknown = any(
        p.status == det.DETERMINATION_STATUS_PENDING_VERIFICATION and not p.monthly_benefit_cents
        for p in credits
    )
    return PENDING if unknown else money(sum(p.monthly_benefit_cents for p in credits))


def sweep_rows(steps: list[pb.SweepStep], plain: bool = False) -> tuple[list[str], list[list[str]]]:
    """One row per income step: each person's program status, APTC and SNAP in dollars
    (``plain`` numbers for CSV, formatted money for people), "pending" for a credit not
    yet known."""
    money = (lambda cents: f"{cents / 100:.2f}") if plain else render.money
    # CSV cells are neither markup nor formulas.
    shown = text_cell if plain else render.shown
    columns: list[tuple[str, int]] = []
    for step in steps[:1]:
        for person in step.determinations:
            columns += [(person.person_id, p.program) for p in person.programs]
    header = ["annual income"] + [f"{shown(pid)} {render.program_name(p)}" for pid, p in columns]
    header += ["total APTC/mo", "SNAP/mo"]
    rows = []
    for step in steps:
        by = {(d.person_id, p.program): p for d in step.determinations for p in d.programs}
        cells = [money(step.annual_income_cents)]
        for key in columns:
            answer = by.get(key)
            cells.append(
                det.DeterminationStatus.Name(answer.status)
                .removeprefix("DETERMINATION_STATUS_")
                .lower()
                if answer
                else "-"
            )
        snap = sum(p.monthly_benefit_cents for p in step.household_determinations)
        cells += [_total_aptc(list(by.values()), money), money(snap)]
        rows.append(cells)
    return header, rows


def register(app: typer.Typer) -> None:
    app.command()(consents)
    app.command()(revoke)
    app.command()(disclosures)
    app.command("audit-verify")(audit_verify)
    app.command()(burden)
    app.command()(whatif)
