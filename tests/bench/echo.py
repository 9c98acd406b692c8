"""The ceiling: a bare unary call fanned out to three echo servers, each its own process.

The echo service has no .proto: a generic handler passes the request bytes straight back,
so the figure is gRPC and the loopback alone, with no protobuf work and no interceptors.

`python -m tests.bench.echo` runs one server on a free loopback port and prints that port.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc

from shared import event_loop
from shared.gc_tuning import tune_collector
from shared.tls import DevCertificates

METHOD = "/bench.Echo/Echo"
FAN_OUT = 3
# `-m tests.bench.echo` resolves from the repository root, wherever the bench was started.
REPO_ROOT = Path(__file__).resolve().parents[2]


async def _echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return request


def _exit_when_parent_goes() -> None:
    # The parent holds our stdin open; EOF means it is gone, so no server outlives a bench.
    sys.stdin.read()
    os._exit(0)


async def serve(certs: Path) -> None:
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    server = grpc.aio.server()
    # Serializers left as None: the handler sees and returns raw bytes.
    handler = grpc.method_handlers_generic_handler(
        "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(_echo)}
    )
    server.add_generic_rpc_handlers((handler,))
    # Mutual TLS like the stack, so the ceiling pays for the same handshake and encryption.
    credentials = DevCertificates(certs).files("treasury").server_credentials()
    port = server.add_secure_port("127.0.0.1:0", credentials)
    await server.start()
    print(port, flush=True)
    await server.wait_for_termination()


@contextmanager
def bare_servers(modules: list[list[str]], timeout: float = 15.0) -> Iterator[list[str]]:
    """Start one server process per ``[module, *args]`` (each prints its port when it
    listens); yields their loopback targets, in order, and stops them all at the end."""
    processes: list[subprocess.Popen[str]] = []
    try:
        targets = []
        for module in modules:
            process = subprocess.Popen(
                [sys.executable, "-m", *module],
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            processes.append(process)
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            if not line.isdigit():
                raise RuntimeError(f"{module[0]} did not report its port (got {line!r})")
            targets.append(f"127.0.0.1:{line}")
        yield targets
    finally:
        for process in processes:
            process.terminate()
            assert process.stdin is not None
            process.stdin.close()
        for process in processes:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def echo_servers(certs: Path, count: int = FAN_OUT) -> Iterator[list[str]]:
    """Start ``count`` echo server processes with certificates from ``certs``; yields their
    loopback targets."""
    DevCertificates(certs).ensure()
    with bare_servers([["tests.bench.echo", str(certs)]] * count) as targets:
        yield targets


class EchoFanOut:
    """One call = the same payload to every echo server at once, done when all answer."""

    def __init__(self, targets: list[str], payload: bytes, timeout_s: float, certs: Path) -> None:
        credentials = DevCertificates(certs).files("orchestrator").channel_credentials()
        self._channels = [grpc.aio.secure_channel(t, credentials) for t in targets]
        self._stubs = [c.unary_unary(METHOD) for c in self._channels]
        self._payload = payload
        self._timeout = timeout_s

    async def __call__(self) -> None:
        replies = await asyncio.gather(
            *(stub(self._payload, timeout=self._timeout) for stub in self._stubs)
        )
        if any(reply != self._payload for reply in replies):
            raise RuntimeError("echo returned different bytes")

    async def close(self) -> None:
        for channel in self._channels:
            await channel.close()


if __name__ == "__main__":
    # The services' loop and collector settings, so the ceiling and the stack are
    # measured alike.
    tune_collector()
    event_loop.run(serve(Path(sys.argv[1])))
