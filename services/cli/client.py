"""One way for the CLI to call the orchestrator: deadline, who is asking, plain errors."""

from __future__ import annotations

from typing import Any

import grpc
import typer
from rich.console import Console

from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from shared.context import CALLER_HEADER, CASEWORKER_HEADER
from shared.errors import details_of

CALLER = "elig-cli"
err = Console(stderr=True)


class Session:
    """Who is at the keyboard, set once by the top-level --caseworker option."""

    caseworker: str = ""


def fail(error: grpc.RpcError) -> None:
    details = details_of(error)
    err.print(f"[red]{details.code.name}[/red]: {details.message}")
    for violation in details.violations:
        err.print(f"  • {violation.field}: {violation.description}")
    if details.code == grpc.StatusCode.UNAVAILABLE:
        err.print("  is the stack running? start it with `make run` or `elig up`")
    raise typer.Exit(2)


def call(target: str, rpc: str, request: Any, timeout: float = 30.0) -> Any:
    """Call one CoordinationService method; on failure print why and exit 2."""
    metadata = [(CALLER_HEADER, CALLER)]
    if Session.caseworker:
        metadata.append((CASEWORKER_HEADER, Session.caseworker))
    with grpc.insecure_channel(target) as channel:
        stub = pb_grpc.CoordinationServiceStub(channel)
        try:
            return getattr(stub, rpc)(request, timeout=timeout, metadata=metadata)
        except grpc.RpcError as error:
            fail(error)
            raise
