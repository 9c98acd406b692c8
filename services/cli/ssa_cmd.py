"""`elig ssa record-death`: report a death to SSA as vital records does (a state's
electronic death registration), with the vital-records certificate from the stack's CA.

SSA then shows the death in identity checks and sends it to whoever follows its death
reports (the orchestrator). A retry with the same --request-id is the same report.
"""

from __future__ import annotations

import datetime as dt
import uuid

import grpc
import typer
from rich.console import Console

from eligibility.ssa.v1 import identity_pb2 as pb
from eligibility.ssa.v1 import identity_pb2_grpc as pb_grpc
from services.cli.client import Session, fail
from services.cli.targets import env_var, service_target
from services.cli.tool_identity import LocalTool
from shared.protoconv import date_to_proto
from shared.settings import DEFAULT_PORTS
from shared.tls import VITAL_RECORDS

app = typer.Typer(
    no_args_is_help=True, help="What SSA is told by others: deaths reported by vital records."
)
console = Console()
# Errors name files and addresses: the terminal may wrap them, rich must not break them.
err = Console(stderr=True, soft_wrap=True)

SsaTargetOption = typer.Option(
    None,
    "--target",
    envvar=env_var("ssa"),
    help="SSA's host:port (the --target before the command is the orchestrator's);"
    f" default: what `elig up` wrote in the data folder, else 127.0.0.1:{DEFAULT_PORTS['ssa']}",
    show_default=False,
)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        err.print(f"[red]--date must be YYYY-MM-DD[/red], not {text!r}")
        raise typer.Exit(2) from None


@app.command("record-death")
def record_death(
    ssn: str = typer.Option(..., help="the person's SSN, nine digits"),
    date: str = typer.Option(..., "--date", help="the date of death, YYYY-MM-DD"),
    reported_by: str = typer.Option("state EDRS", help="who reported the death"),
    request_id: str = typer.Option("", help="idempotency key; a new UUID when empty"),
    target: str | None = SsaTargetOption,
) -> None:
    """Report a death to SSA, as vital records."""
    request = pb.RecordDeathRequest(
        request_id=request_id or str(uuid.uuid4()),
        ssn=ssn,
        death_date=date_to_proto(_day(date)),
        reported_by=reported_by,
    )
    tool = LocalTool(Session.data_dir, Session.tls_mode, VITAL_RECORDS)
    where = service_target("ssa", target, Session.data_dir)
    try:
        channel = tool.channel_sync(where.address)
    except (OSError, ValueError) as error:
        err.print(f"[red]cannot present the vital-records certificate[/red]: {error}")
        err.print("  `elig up` or `elig certs init` creates it under the data folder (--data-dir)")
        raise typer.Exit(2) from None
    with channel:
        try:
            report = pb_grpc.IdentityServiceStub(channel).RecordDeath(request, timeout=30).report
        except grpc.RpcError as error:
            fail(error, where, service="ssa")
            raise
    console.print(
        f"death recorded: report {report.sequence}, SSN ending {report.ssn[-4:]}, "
        f"died {report.death_date.year:04d}-{report.death_date.month:02d}-"
        f"{report.death_date.day:02d}, recorded {report.record_time.ToDatetime():%Y-%m-%d %H:%M:%S} UTC"
    )
    console.print(f"request id: {request.request_id} (repeat it to retry safely)")
