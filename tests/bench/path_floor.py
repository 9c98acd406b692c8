"""The floor of the application's own path: its shape of calls in bare gRPC, no work done.

A new household's application is one call to the orchestrator, which asks SSA, then
Treasury (about the people SSA verified), then HHS and USDA at once, and answers: five processes, nine calls
served or made per application, every hop under mutual TLS. Here a relay process does
exactly that with echo servers standing in for the agencies (tests.bench.echo): the most
applications per second the path's shape allows on this machine, before any rule,
database or audit. Beside the ceiling, it says how much of the gap to the ceiling is the
path itself and how much is our work on it.

`python -m tests.bench.path_floor CERTS TARGET,...` runs one relay on a free loopback
port, asking the four targets, and prints that port.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc

from shared import event_loop
from shared.gc_tuning import tune_collector
from shared.tls import DevCertificates
from tests.bench.echo import METHOD, _exit_when_parent_goes, bare_servers, echo_servers

AGENCIES = 4
RELAY_METHOD = "/bench.Relay/Apply"


async def serve(certs: Path, targets: list[str]) -> None:
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    files = DevCertificates(certs)
    credentials = files.files("orchestrator").channel_credentials()
    channels = [grpc.aio.secure_channel(t, credentials) for t in targets]
    stubs = [c.unary_unary(METHOD) for c in channels]
    identity, income, *determinations = stubs

    async def apply(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        await identity(request)
        await income(request)
        await asyncio.gather(*(stub(request) for stub in determinations))
        return request

    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler(
        "bench.Relay", {"Apply": grpc.unary_unary_rpc_method_handler(apply)}
    )
    server.add_generic_rpc_handlers((handler,))
    port = server.add_secure_port("127.0.0.1:0", files.files("treasury").server_credentials())
    await server.start()
    print(port, flush=True)
    await server.wait_for_termination()


@contextmanager
def relay(certs: Path) -> Iterator[str]:
    """Four echo agencies and the relay before them; yields the relay's target."""
    with (
        echo_servers(certs, AGENCIES) as agencies,
        bare_servers([["tests.bench.path_floor", str(certs), ",".join(agencies)]]) as (target,),
    ):
        yield target


class RelayCall:
    """One call = one application's worth of bare hops."""

    def __init__(self, target: str, payload: bytes, timeout_s: float, certs: Path) -> None:
        credentials = DevCertificates(certs).files("orchestrator").channel_credentials()
        self._channel = grpc.aio.secure_channel(target, credentials)
        self._stub = self._channel.unary_unary(RELAY_METHOD)
        self._payload = payload
        self._timeout = timeout_s

    async def __call__(self) -> None:
        if await self._stub(self._payload, timeout=self._timeout) != self._payload:
            raise RuntimeError("relay returned different bytes")

    async def close(self) -> None:
        await self._channel.close()


if __name__ == "__main__":
    # The services' loop and collector settings, as the ceiling's servers use.
    tune_collector()
    event_loop.run(serve(Path(sys.argv[1]), sys.argv[2].split(",")))
