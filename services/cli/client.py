"""One way for the CLI to call the orchestrator: deadline, who is asking, plain errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import grpc
import typer
from rich.console import Console
from rich.markup import escape

from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from eligibility.orchestrator.v1.coordination_pb2 import ListCasesRequest
from services.cli.credential_hints import hint
from services.cli.targets import (
    ENV_VAR,
    TARGETS_FILE,
    Target,
    env_var,
    orchestrator_target,
)
from services.cli.tool_identity import DEFAULT_CASEWORKER, DEFAULT_ROLE, LocalTool
from shared.errors import details_of
from shared.tls import MTLS, PLAINTEXT

# Errors name files and addresses: the terminal may wrap them, rich must not break them.
err = Console(stderr=True, soft_wrap=True)


class Session:
    """Who is at the keyboard, where the tool's credentials are and where the orchestrator
    is: the context the top-level options set once for whichever command follows."""

    caseworker: str = DEFAULT_CASEWORKER
    role: str = DEFAULT_ROLE
    data_dir: Path = Path("data")
    tls_mode: str = MTLS
    # `elig --target X cases`: the orchestrator's address given before the command (or by
    # ELIG_ORCHESTRATOR_TARGET), and which of the two it came from.
    target_option: str | None = None
    target_source: str = "--target"

    @classmethod
    def tool(cls) -> LocalTool:
        return LocalTool(cls.data_dir, cls.tls_mode)

    @classmethod
    def target(cls, explicit: str | None) -> Target:
        """A command's own --target wins over the one given before the command."""
        if explicit:
            return Target(explicit, "--target")
        if cls.target_option:
            return Target(cls.target_option, cls.target_source)
        return orchestrator_target(None, cls.data_dir)


# Every command's --target. It reads no environment variable of its own: the top-level
# --target reads ELIG_ORCHESTRATOR_TARGET, so `elig --target X cases` is not overridden by
# an exported variable, while `elig cases --target Y` still overrides both.
TargetOption = typer.Option(
    None,
    "--target",
    help=f"the orchestrator's host:port; default: elig's own --target ({ENV_VAR}), else what"
    " `elig up` wrote in the data folder, else 127.0.0.1:50050",
    show_default=False,
)


def _as_option(text: str, options: dict[str, str]) -> str:
    """Top-level request fields named as the options the user typed them with; a nested
    field (household.members[0].person_id) came from a file and keeps its name."""
    for field, option in options.items():
        text = re.sub(rf"(?<![\w.\]]){re.escape(field)}\b", option, text)
    return text


def fail(
    error: grpc.RpcError,
    target: Target | None = None,
    options: dict[str, str] | None = None,
    service: str = "orchestrator",
) -> None:
    details = details_of(error)
    # Messages and violations can quote what was sent (a state code, an id): text, not markup.
    err.print(f"[red]{details.code.name}[/red]: {escape(details.message)}")
    for violation in details.violations:
        field, description = violation.field, violation.description
        if options:
            field, description = _as_option(field, options), _as_option(description, options)
        err.print(f"  • {escape(field)}: {escape(description)}")
    credentials = hint(details, Session.data_dir, target.address if target else None)
    if credentials is not None:
        err.print(f"  {escape(credentials)}", highlight=False)
    elif details.code == grpc.StatusCode.UNAVAILABLE:
        if target is not None:
            err.print(f"  no {service} answered at {target.address} (from {target.source})")
        where = (
            " (the line `elig up` prints)"
            if service == "orchestrator"
            else f" (`elig up` writes it to <data_dir>/{TARGETS_FILE})"
        )
        err.print(
            f"  is the stack running? start it with `make run` or `elig up`; if it listens"
            f" elsewhere, give --target HOST:PORT or export {env_var(service)}=HOST:PORT" + where
        )
        if Session.tls_mode == PLAINTEXT:
            # A stack on mutual TLS (the default) closes a plaintext caller's connection.
            err.print(
                "  this elig speaks plaintext (--tls-mode or ELIG_TLS_MODE): a stack started"
                " without it wants mutual TLS"
            )
    if details.code == grpc.StatusCode.RESOURCE_EXHAUSTED and details.retry_delay is not None:
        wait = details.retry_delay.total_seconds()
        err.print(
            f"  too many calls for now: wait {wait:.1f} s, then run the command again"
            " (the stack's per-caller limit, ELIG_CALLS_PER_SECOND)"
        )
    if details.code == grpc.StatusCode.PERMISSION_DENIED and details.reason == "ROLE_NOT_ALLOWED":
        err.print("  act in another role with --role (caseworker, supervisor, auditor)")
    raise typer.Exit(2)


def open_channel(where: Target) -> grpc.Channel:
    """A channel to the orchestrator with this tool's certificate and a token for the person
    at it; when the credentials are not in the data folder, say where elig looked and exit 2."""
    try:
        return Session.tool().channel_sync(where.address, Session.caseworker, Session.role)
    except (OSError, ValueError) as error:
        missing = getattr(error, "filename", None)
        err.print(
            "[red]cannot present this tool's credentials[/red]: "
            + escape(f"{missing} is missing" if missing else str(error)),
            highlight=False,
        )
        err.print(
            escape(
                f"  elig looks for the stack's certificates and keys in {Session.data_dir}"
                " (--data-dir, ELIG_DATA_DIR); `elig up` (`make run`) creates them there."
                " Run elig from the folder the stack was started in, or give --data-dir"
            ),
            highlight=False,
        )
        raise typer.Exit(2) from None


def answering(where: Target) -> grpc.Channel:
    """``open_channel``, after one small call has shown the orchestrator there and accepting
    these credentials: a long run (a simulated year, every scenario) says what is wrong at
    once, with `fail`'s hints, instead of counting the same failure all the way through."""
    channel = open_channel(where)
    try:
        stub = pb_grpc.CoordinationServiceStub(channel)
        stub.ListCases(ListCasesRequest(page_size=1), timeout=30)
    except grpc.RpcError as error:
        channel.close()
        fail(error, where)
    return channel


def call(
    target: str | None,
    rpc: str,
    request: Any,
    timeout: float = 30.0,
    options: dict[str, str] | None = None,
) -> Any:
    """Call one CoordinationService method; on failure print why and exit 2. ``options``
    maps request fields to the command's options, so a refusal names what the user typed."""
    where = Session.target(target)
    with open_channel(where) as channel:
        stub = pb_grpc.CoordinationServiceStub(channel)
        try:
            return getattr(stub, rpc)(request, timeout=timeout)
        except grpc.RpcError as error:
            fail(error, where, options)
            raise
