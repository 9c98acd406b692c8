"""`elig watch <case>`: follow a case as it changes, one line per event as it arrives
(determinations with the case's answers, agencies' acknowledgements), until Ctrl-C.
`--after N` resumes after the last sequence seen, so nothing is shown twice."""

from __future__ import annotations

import grpc
import typer
from rich.console import Console

from eligibility.common.v1 import life_event_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.cli import render
from services.cli.client import Session, TargetOption, fail, open_channel

console = Console()

_KIND_STYLE = {
    pb.CASE_EVENT_KIND_ACKNOWLEDGED: "green",
    pb.CASE_EVENT_KIND_NOTICE_REFUSED: "red",
    pb.CASE_EVENT_KIND_LIFE_EVENT: "bold cyan",
}


def _word(enum: object, value: int, prefix: str) -> str:
    return enum.Name(value).removeprefix(prefix).lower().replace("_", " ")  # type: ignore[attr-defined]


def describe(update: pb.WatchCaseResponse) -> str:
    """One update as a line of rich markup."""
    event = update.event
    kind = _word(pb.CaseEventKind, event.kind, "CASE_EVENT_KIND_")
    style = _KIND_STYLE.get(event.kind, "bold")
    when = event.time.ToDatetime().isoformat(timespec="seconds")
    status = _word(pb.CaseStatus, event.status, "CASE_STATUS_")
    line = f"[dim]#{update.sequence} {when}[/dim] [{style}]{kind}[/{style}] ({status}) {render.shown(event.detail)}"
    if update.HasField("notification"):
        note = update.notification
        state = _word(pb.NotificationState, note.state, "NOTIFICATION_STATE_")
        line += f"\n    {note.agency}: {state} after {note.attempts} attempt(s)"
        if note.HasField("acknowledgement"):
            ack = note.acknowledgement
            line += ", " + _word(life_event_pb2.ChangeAction, ack.action, "CHANGE_ACTION_")
            line += " (repeat delivery)" if ack.duplicate else ""
    return line


def watch(
    case_id: str = typer.Argument(..., help="the case to follow"),
    after: int = typer.Option(0, "--after", help="resume after this sequence (the last # seen)"),
    target: str | None = TargetOption,
) -> None:
    """Follow a case: each event, determination and agency acknowledgement as it happens."""
    where = Session.target(target)
    channel = open_channel(where)
    last = after
    with channel:
        stream = pb_grpc.CoordinationServiceStub(channel).WatchCase(
            pb.WatchCaseRequest(case_id=case_id, after_sequence=after)
        )
        console.print(f"watching case {case_id} after #{after}; Ctrl-C stops")
        try:
            for update in stream:
                console.print(describe(update))
                if update.HasField("case"):
                    console.print(render.case_table(update.case))
                last = update.sequence
        except KeyboardInterrupt:
            stream.cancel()
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                fail(error, where)
    console.print(f"stopped; resume with: elig watch {case_id} --after {last}")
