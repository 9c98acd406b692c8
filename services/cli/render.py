"""Readable tables of cases for people at a terminal."""

from __future__ import annotations

from google.protobuf import json_format
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb


def shown(value: str) -> str:
    """Text that came from a request or another service, as rich must print it: as text.
    A person id such as ``[/bold]`` would otherwise stop the command with a markup error,
    and ``[link=...]`` would turn into a link, on the screen of whoever views the case."""
    return escape(value)


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
        det.DETERMINATION_STATUS_REFERRED: "cyan",
    }.get(value, "")
    text = _label(det.DeterminationStatus, value, "DETERMINATION_STATUS_")
    return f"[{style}]{text}[/{style}]" if style else text


def _benefit(p: det.ProgramDetermination) -> str:
    pending = p.status == det.DETERMINATION_STATUS_PENDING_VERIFICATION
    if p.program == det.PROGRAM_MARKETPLACE:
        if p.status == det.DETERMINATION_STATUS_INELIGIBLE:
            return ""
        # HHS leads an estimated credit with this reason; the table must say so.
        estimate = any(r.code == "BENCHMARK_ESTIMATED" for r in p.reasons)
        amount = (
            "APTC not yet known"
            if pending and not p.monthly_benefit_cents
            else f"APTC {money(p.monthly_benefit_cents)}/mo" + (" ESTIMATE" if estimate else "")
        )
        csr = (
            ""
            if p.csr_level in (det.CSR_LEVEL_UNSPECIFIED, det.CSR_LEVEL_NONE)
            else (f", CSR {det.CsrLevel.Name(p.csr_level).removeprefix('CSR_LEVEL_')}%")
        )
        return amount + csr
    if p.program == det.PROGRAM_SNAP and p.status != det.DETERMINATION_STATUS_INELIGIBLE:
        return f"{money(p.monthly_benefit_cents)}/mo"
    return ""


ALSO_ASSESSED = "also assessed"


def _cell(p: det.ProgramDetermination | None, asked: bool = True) -> str:
    if p is None:
        return "[dim]not asked[/dim]"
    benefit = _benefit(p)
    cell = status_text(p.status) + (f"\n{benefit}" if benefit else "")
    # An answer the household did not ask for must not read like one it did.
    return cell if asked else f"{cell}\n[dim italic]{ALSO_ASSESSED}[/dim italic]"


def _reason(p: det.ProgramDetermination) -> str:
    """A program's decisive reason: SNAP ends on the allotment it came to; the others lead
    with theirs (an estimated credit's label first)."""
    if not p.reasons:
        return ""
    return shown((p.reasons[-1] if p.program == det.PROGRAM_SNAP else p.reasons[0]).message)


def _why(programs: list[det.ProgramDetermination], asked: set[int] | None = None) -> str:
    """One line per program, each with its own reason."""
    lines = []
    for p in programs:
        reason = _reason(p)
        if not reason:
            continue
        aside = (
            f" [dim]({ALSO_ASSESSED})[/dim]" if asked is not None and p.program not in asked else ""
        )
        lines.append(f"[bold]{program_name(p.program)}[/bold]{aside}: {reason}")
    return "\n".join(lines)


def case_table(case: pb.Case) -> Table:
    table = Table(
        title=f"Case {case.case_id} · plan year {case.plan_year} · "
        f"{_label(pb.CaseStatus, case.status, 'CASE_STATUS_')}",
    )
    table.add_column("Person")
    columns = [det.PROGRAM_MEDICAID, det.PROGRAM_CHIP, det.PROGRAM_MARKETPLACE]
    for program in columns:
        table.add_column(program_name(program))
    table.add_column("Why, program by program")
    # A case from before programs were recorded names none: treat everything as asked.
    asked = set(case.programs) or None
    for person in case.determinations:
        by_program = {p.program: p for p in person.programs}
        table.add_row(
            shown(person.person_id),
            *(_cell(by_program.get(p), asked is None or p in asked) for p in columns),
            _why(list(person.programs), asked),
        )
    for p in case.household_determinations:
        table.add_section()
        table.add_row(
            f"household · {program_name(p.program)}",
            _cell(p, asked is None or p.program in asked),
            "",
            "",
            _why([p], asked),
        )
    return table


def issues_table(case: pb.Case) -> Table | None:
    if not case.data_matching_issues:
        return None
    table = Table(title="Data-matching issues")
    for column in ("Person", "Fact", "Reason", "Due", "What to do"):
        table.add_column(column)
    for issue in case.data_matching_issues:
        due = f"{issue.due_date.year:04d}-{issue.due_date.month:02d}-{issue.due_date.day:02d}"
        table.add_row(
            shown(issue.person_id), issue.fact, issue.reason_code, due, shown(issue.message)
        )
    return table


def print_case(console: Console, case: pb.Case) -> None:
    console.print(case_table(case))
    issues = issues_table(case)
    if issues is not None:
        console.print(issues)
    if len(case.history) > 1:  # an application alone is no story yet
        console.print("[bold]History[/bold]")
        for event in case.history:
            when = event.time.ToDatetime().isoformat(timespec="seconds")
            kind = pb.CaseEventKind.Name(event.kind).removeprefix("CASE_EVENT_KIND_").lower()
            console.print(f"  #{event.sequence:<5} {when}  {kind:<10} {shown(event.detail)}")
    if case.notifications:
        console.print(notifications_table(case))
    console.print(f"[dim]every reason, figure and citation: elig explain {case.case_id}[/dim]")


def notifications_table(case: pb.Case) -> Table:
    """Each agency told of a change: the notice's state, attempts and what the agency did."""
    table = Table(title="Agencies told")
    for column in ("Agency", "Change", "State", "Attempts", "Agency's answer"):
        table.add_column(column)
    for note in case.notifications:
        answer = ""
        if note.HasField("acknowledgement"):
            ack = note.acknowledgement
            answer = shown(ack.detail) or _label(
                life_event_pb2.ChangeAction, ack.action, "CHANGE_ACTION_"
            )
        table.add_row(
            note.agency,
            _label(life_event_pb2.LifeEventKind, note.kind, "LIFE_EVENT_KIND_"),
            _label(pb.NotificationState, note.state, "NOTIFICATION_STATE_"),
            str(note.attempts),
            answer,
        )
    return table


def explain(console: Console, case: pb.Case) -> None:
    """Every reason behind every answer, with its figures and citation."""
    console.print(f"[bold]Case {case.case_id}[/bold], plan year {case.plan_year}")
    groups = [(shown(d.person_id), d.programs) for d in case.determinations]
    groups.append(("household", case.household_determinations))
    asked = set(case.programs)
    for person, programs in groups:
        for p in programs:
            console.print(
                f"\n[bold]{person} · {program_name(p.program)}[/bold]: {status_text(p.status)}"
                + (f" · {_benefit(p)}" if _benefit(p) else "")
                + (f" [dim]({ALSO_ASSESSED})[/dim]" if asked and p.program not in asked else "")
            )
            for reason in p.reasons:
                _hanging(console, "  • ", f"{shown(reason.message)} [dim]({reason.code})[/dim]")
                if reason.figures:
                    figures = ", ".join(f"{k}={v}" for k, v in sorted(reason.figures.items()))
                    _hanging(console, "    figures: ", shown(figures))
                if reason.citation:
                    _hanging(
                        console, "    [dim]source: [/dim]", f"[dim]{shown(reason.citation)}[/dim]"
                    )


def _hanging(console: Console, lead: str, body: str) -> None:
    """``lead`` then ``body``, whose wrapped lines start under its first word rather than
    at the margin, so a reason's code and figures stay visibly under their bullet."""
    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(lead, body)
    console.print(grid)


def as_json(message: object) -> str:
    return json_format.MessageToJson(message, preserving_proto_field_name=True, indent=2)  # type: ignore[arg-type]


def cases_table(reply: pb.ListCasesResponse) -> Table:
    table = Table(title="Cases")
    # The id is what `elig case` takes: whole on one line, never cut to "01a22b…".
    longest = max((len(case.case_id) for case in reply.cases), default=4)
    table.add_column("Case", no_wrap=True, min_width=longest)
    for column in ("Created", "Plan year", "Status", "Members", "Programs"):
        table.add_column(column)
    for case in reply.cases:
        table.add_row(
            case.case_id,
            case.create_time.ToDatetime().isoformat(sep=" ", timespec="seconds"),
            str(case.plan_year),
            pb.CaseStatus.Name(case.status).removeprefix("CASE_STATUS_").lower().replace("_", " "),
            str(len(case.household.members)),
            ", ".join(program_name(p) for p in case.programs),
        )
    return table
