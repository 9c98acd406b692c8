"""`elig report <case> --kind birth --date 2026-11-20 --new-member-file baby.yaml`, or
`elig report <case> --file event.yaml`: report a change once and see what it did: each
answer that changed and why, the programs now offered, and the agencies told."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli import render
from services.cli.client import TargetOption, call
from services.harness.households import HouseholdFileError
from services.harness.life_events import event_from_dict, load_event
from services.harness.yaml_file import FileProblem, read_mapping

console = Console()
# Errors name files and addresses: the terminal may wrap them, rich must not break them.
err = Console(stderr=True, soft_wrap=True)
AGENCY_NAMES = {
    "ssa": "SSA",
    "treasury": "Treasury (IRS)",
    "hhs": "HHS (Medicaid, CHIP, Marketplace)",
    "usda": "USDA (SNAP)",
}


def _income_flag(raw: str) -> dict[str, str]:
    kind, _, amount = raw.partition("=")
    if not amount:
        raise HouseholdFileError(f"--income {raw!r}: give KIND=ANNUAL, for example wages=52000")
    return {"kind": kind, "annual": amount}


def _flags_event(
    kind: str,
    date: str,
    person: str,
    spouse: str,
    departing: list[str],
    new_member_file: Path | None,
    incomes: list[str],
    no_income: bool,
    state: str,
    county: str,
    city: str,
    line1: str,
    zip_code: str,
    shelter: str,
    expected: int,
    age: int,
) -> le.LifeEvent:
    data: dict[str, Any] = {
        "kind": kind,
        "date": date,
        "person": person,
        "spouse": spouse,
        "departing": departing,
        "expected_children": expected,
        "age": age,
    }
    if new_member_file is not None:
        try:
            data["new_member"] = read_mapping(new_member_file, "id, ssn, name, birth_date")
        except FileProblem as problem:
            raise HouseholdFileError(str(problem)) from None
    if incomes or no_income:
        data["incomes"] = [_income_flag(i) for i in incomes]
    if state or county:
        data["address"] = {
            "state": state,
            "county": county,
            "city": city,
            "line1": line1,
            "zip": zip_code,
        }
    if shelter:
        data["expenses"] = {"monthly_shelter": shelter}
    return event_from_dict(data)


def report(
    case_id: str = typer.Argument(..., help="the case the change is for"),
    file: Path = typer.Option(None, "--file", exists=True, dir_okay=False, help="event YAML"),
    kind: str = typer.Option(
        "",
        help="birth, adoption, death, marriage, divorce, separation, income_change, "
        "move, pregnancy or age_milestone",
    ),
    date: str = typer.Option("", help="the day the change took effect, YYYY-MM-DD"),
    person: str = typer.Option("", help="the member the change is about"),
    spouse: str = typer.Option("", help="marriage: a spouse already in the household"),
    departing: list[str] = typer.Option([], help="divorce, separation: a member who leaves"),
    new_member_file: Path = typer.Option(
        None, exists=True, dir_okay=False, help="birth, adoption, marriage: the person joining"
    ),
    income: list[str] = typer.Option([], help="income change: KIND=ANNUAL, e.g. wages=52000"),
    no_income: bool = typer.Option(False, "--no-income", help="income change: no income now"),
    state: str = typer.Option("", help="move: the new state"),
    county: str = typer.Option("", help="move: the new county"),
    city: str = typer.Option("", help="move: the new city"),
    line1: str = typer.Option("", help="move: the new street address"),
    zip_code: str = typer.Option("", "--zip", help="move: the new ZIP code"),
    shelter: str = typer.Option("", help="move: the new monthly shelter cost, dollars"),
    expected: int = typer.Option(0, help="pregnancy: children expected"),
    age: int = typer.Option(0, help="age milestone: 19, 26 or 65"),
    request_id: str = typer.Option("", help="idempotency key; a new UUID when empty"),
    json: bool = typer.Option(False, "--json", help="print the answer as JSON"),
    target: str | None = TargetOption,
) -> None:
    """Report a change once: every program is determined again and every agency told."""
    if file is None and not kind:
        err.print(
            "[red]say what changed[/red]: give --kind and --date with the flags the kind"
            " reads (see --help), or --file with an event YAML"
        )
        raise typer.Exit(2)
    try:
        if file is not None:
            event = load_event(file)
        else:
            event = _flags_event(
                kind,
                date,
                person,
                spouse,
                departing,
                new_member_file,
                income,
                no_income,
                state,
                county,
                city,
                line1,
                zip_code,
                shelter,
                expected,
                age,
            )
    except (FileProblem, OSError) as error:
        err.print(f"[red]bad event[/red]: {escape(str(error))}")
        raise typer.Exit(2) from None
    request = pb.ReportLifeEventRequest(
        request_id=request_id or str(uuid.uuid4()), case_id=case_id, event=event
    )
    # A refusal of a flag-built event names the flag the user typed.
    options = {
        "event.person_id": "--person",
        "event.effective_date": "--date",
        "event.spouse_person_id": "--spouse",
        "event.departing_person_ids": "--departing",
        "event.age_reached": "--age",
        "event.expected_children": "--expected",
        "event.new_address.county": "--county",
        "event.new_address.state_code": "--state",
    }
    answer = call(target, "ReportLifeEvent", request, timeout=60, options=None if file else options)
    if json:
        print(render.as_json(answer))
    else:
        print_answer(console, event, answer)


def print_answer(out: Console, event: le.LifeEvent, answer: pb.ReportLifeEventResponse) -> None:
    kind = le.LifeEventKind.Name(event.kind).removeprefix("LIFE_EVENT_KIND_")
    day = event.effective_date
    when = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    about = event.person_id or event.new_member.person_id
    out.print(
        f"[bold]Change reported[/bold]: {kind.replace('_', ' ').lower()} on {when}"
        + (f" ({about})" if about else "")
        + f" · case {answer.case.case_id}"
    )
    if answer.changes:
        table = Table(title="What changed")
        for column in ("Person", "Program", "Before", "After", "Why"):
            table.add_column(column)
        for change in answer.changes:
            table.add_row(
                render.shown(change.person_id) or "household",
                render.program_name(change.program),
                _answer(change.before_status, change.before_monthly_benefit_cents),
                _answer(change.after_status, change.after_monthly_benefit_cents),
                render.shown(change.explanation),
            )
        out.print(table)
    else:
        out.print("No answer changed: every program's determination is the same as before.")
    if answer.offered_programs:
        names = ", ".join(render.program_name(p) for p in answer.offered_programs)
        out.print(
            f"[green]Offered[/green]: {names}: the household may now qualify; "
            "nothing known is asked again to apply"
        )
    else:
        out.print("Offered: no new program")
    told = ", ".join(AGENCY_NAMES.get(a, a) for a in answer.notified_agencies) or "none"
    out.print(f"Agencies told: {told}")
    out.print(render.case_table(answer.case))


def _answer(status: int, cents: int) -> str:
    if status == 0:
        return "[dim]—[/dim]"
    text = render.status_text(status)
    return f"{text} {render.money(cents)}/mo" if cents else text
