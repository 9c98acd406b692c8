"""Integration fixtures: real servers on ephemeral loopback ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import grpc
import pytest

from shared.channels import open_channel
from shared.server import RunningServer, ServiceBinding, start_server


class ServerHandle:
    def __init__(self, running: RunningServer) -> None:
        self.running = running
        self.port = running.port
        self.target = f"127.0.0.1:{running.port}"

    def channel(self) -> grpc.aio.Channel:
        return open_channel(self.target)


Serve = Callable[[Sequence[ServiceBinding]], Awaitable[ServerHandle]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start servers on port 0 for one test; every one is stopped when the test ends."""
    started: list[RunningServer] = []

    async def _serve(bindings: Sequence[ServiceBinding]) -> ServerHandle:
        running = await start_server(bindings, "127.0.0.1", 0)
        started.append(running)
        return ServerHandle(running)

    yield _serve
    for running in started:
        await running.stop(None)
