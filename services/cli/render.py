"""Readable tables of cases for people at a terminal."""

from __future__ import annotations

from google.protobuf import json_format
from rich.console import Console
from rich.table import Table

from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb


def money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def _label(enum: object, value: int, prefix: str) -> str:
    return enum.Name(value).removeprefix(prefix).replace("_", " ").lower()  # type: ignore[attr-defined]


def program_name(value: int) -> str:
    return {
        det.PROGRAM_MEDICAID: "Medicaid",
        det.PROGRAM_CHIP: "CHIP",
        det.PROGRAM_MARKETPLACE: "Marketplace",
        det.PROGRAM_SNAP: "SNAP",
    }.get(value, "?")


def status_text(value: int) -> str:
    style = {
        det.DETERMINATION_STATUS_ELIGIBLE: "green",
        det.DETERMINATION_STATUS_INELIGIBLE: "dim",
        det.DETERMINATION_STATUS_CONDITIONAL: "yellow",
        det.DETERMINATION_STATUS_PENDING_VERIFICATION: "magenta",
    }.get(value, "")
    text = _label(det.DeterminationStatus, value, "DETERMINATION_STATUS_")
    return f"[{style}]{text}[/{style}]" if style else text


def _benefit(p: det.ProgramDetermination) -> str:
    if p.program == det.PROGRAM_MARKETPLACE:
        csr = (
            ""
            if p.csr_level in (det.CSR_LEVEL_UNSPECIFIED, det.CSR_LEVEL_NONE)
            else (f", CSR {det.CsrLevel.Name(p.csr_level).removeprefix('CSR_LEVEL_')}%")
        )
        return f"APTC {money(p.monthly_benefit_cents)}/mo{csr}"
    if p.program == det.PROGRAM_SNAP:
        return f"{money(p.monthly_benefit_cents)}/mo"
    return ""


def case_table(case: pb.Case) -> Table:
    table = Table(
        title=f"Case {case.case_id} · plan year {case.plan_year} · "
        f"{_label(pb.CaseStatus, case.status, 'CASE_STATUS_')}",
        show_lines=False,
    )
    for column in ("Person", "Program", "Status", "Benefit", "Why"):
        table.add_column(column)
    rows = [(d.person_id, p) for d in case.determinations for p in d.programs]
    rows += [("(household)", p) for p in case.household_determinations]
    for person, p in rows:
        why = p.reasons[0].message if p.reasons else ""
        table.add_row(person, program_name(p.program), status_text(p.status), _benefit(p), why)
    return table


def issues_table(case: pb.Case) -> Table | None:
    if not case.data_matching_issues:
        return None
    table = Table(title="Data-matching issues")
    for column in ("Person", "Fact", "Reason", "Due", "What to do"):
        table.add_column(column)
    for issue in case.data_matching_issues:
        due = f"{issue.due_date.year:04d}-{issue.due_date.month:02d}-{issue.due_date.day:02d}"
        table.add_row(issue.person_id, issue.fact, issue.reason_code, due, issue.message)
    return table


def print_case(console: Console, case: pb.Case) -> None:
    console.print(case_table(case))
    issues = issues_table(case)
    if issues is not None:
        console.print(issues)


def explain(console: Console, case: pb.Case) -> None:
    """Every reason behind every answer, with its figures and citation."""
    console.print(f"[bold]Case {case.case_id}[/bold], plan year {case.plan_year}")
    groups = [(d.person_id, d.programs) for d in case.determinations]
    groups.append(("household", case.household_determinations))
    for person, programs in groups:
        for p in programs:
            console.print(
                f"\n[bold]{person} · {program_name(p.program)}[/bold]: {status_text(p.status)}"
                + (f" · {_benefit(p)}" if _benefit(p) else "")
            )
            for reason in p.reasons:
                console.print(f"  • {reason.message} [dim]({reason.code})[/dim]")
                if reason.figures:
                    figures = ", ".join(f"{k}={v}" for k, v in sorted(reason.figures.items()))
                    console.print(f"    figures: {figures}")
                if reason.citation:
                    console.print(f"    [dim]source: {reason.citation}[/dim]")


def as_json(message: object) -> str:
    return json_format.MessageToJson(message, preserving_proto_field_name=True, indent=2)  # type: ignore[arg-type]
