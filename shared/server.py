"""Server bootstrap: interceptors, health, reflection (v1 and v1alpha), graceful shutdown."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import structlog
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from shared.access import AccessPolicy
from shared.channels import KEEPALIVE_TIME_MS
from shared.interceptors import ServerCallInterceptor
from shared.limits import MAX_REQUEST_BYTES
from shared.reflection import enable_reflection
from shared.security import Trust

# Our clients ping every KEEPALIVE_TIME_MS, also on a stream with nothing to say for
# minutes. gRPC's default admits one such ping per 5 min and answers more with GOAWAY
# "too_many_pings", which cut the SSA death feed about every five minutes.
KEEPALIVE_SERVER_OPTIONS = [
    ("grpc.http2.min_recv_ping_interval_without_data_ms", KEEPALIVE_TIME_MS // 2),
    ("grpc.keepalive_permit_without_calls", 1),
]

log = structlog.get_logger("server")


class PortTaken(RuntimeError):
    """The server could not listen where it was told; the runner says so in one line."""


@dataclass(frozen=True)
class ServiceBinding:
    """One gRPC service to host: its full name, the generated add-function and the servicer."""

    full_name: str
    add_to_server: Callable[[Any, grpc.aio.Server], None]
    servicer: Any
    # The service's access policy file (shared/access.py): who may call which method.
    access_policy: Path


@dataclass
class RunningServer:
    server: grpc.aio.Server
    health: health.aio.HealthServicer
    port: int
    service_names: tuple[str, ...]

    async def stop(self, grace: float | None = 5.0) -> None:
        """Report NOT_SERVING first so balancers drain, then finish in-flight calls."""
        for name in (*self.service_names, ""):
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.server.stop(grace)


async def start_server(
    bindings: Sequence[ServiceBinding],
    host: str = "127.0.0.1",
    port: int = 0,
    extra_interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
    *,
    trust: Trust,
    reuse_port: bool = False,
) -> RunningServer:
    """Start serving; port 0 picks a free port, reported back on the result.

    Every call passes the gate first (shared/security.py): with mutual TLS (the default)
    only callers holding a certificate from the stack's CA connect at all, and each
    method admits only the callers its service's access policy names.

    ``reuse_port`` is for one of several worker processes on one port (shared/workers.py),
    whose supervisor has made sure no other server holds it."""
    security = trust.with_policy(AccessPolicy.load(*(b.access_policy for b in bindings)))
    server = grpc.aio.server(
        interceptors=[ServerCallInterceptor(security), *extra_interceptors],
        # Without SO_REUSEPORT a second server on a taken port fails to start instead of
        # silently sharing the port and answering the first one's callers.
        options=[
            ("grpc.so_reuseport", 1 if reuse_port else 0),
            # Explicit, as the field limits (shared/limits.py) are sized against it.
            ("grpc.max_receive_message_length", MAX_REQUEST_BYTES),
            *KEEPALIVE_SERVER_OPTIONS,
        ],
    )
    for binding in bindings:
        binding.add_to_server(binding.servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = tuple(b.full_name for b in bindings)
    enable_reflection((*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name), server)
    credentials = security.server_credentials()
    address = f"{host}:{port}"
    try:
        if credentials is None:
            bound = server.add_insecure_port(address)
        else:
            bound = server.add_secure_port(address, credentials)
    except RuntimeError:
        # grpcio raises its own "set GRPC_VERBOSITY=debug" text; say what a person can do.
        bound = 0
    if bound == 0:
        raise PortTaken(
            f"cannot listen on {address}: another process holds the port, or the address is"
            " not this machine's (ELIG_<SERVICE>_PORT and ELIG_HOST move it)"
        )
    await server.start()
    for name in (*names, ""):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return RunningServer(server, health_servicer, bound, names)


async def serve_until_signalled(
    running: RunningServer,
    grace: float,
    on_stop: Callable[[], Awaitable[None]] | None = None,
    on_draining: Callable[[], None] | None = None,
) -> None:
    """Block until SIGTERM or SIGINT, then shut down cleanly."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    log.info("shutting down", grace_seconds=grace)
    if on_draining is not None:
        on_draining()
    await running.stop(grace)
    if on_stop is not None:
        await on_stop()
    log.info("stopped")
