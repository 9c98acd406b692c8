"""The server bootstrap refuses a taken port, and the stack never picks one port twice."""

from __future__ import annotations

import pytest

from services.cli.stack import SERVICES, free_ports
from shared.security import Trust
from shared.server import start_server
from shared.tls import PLAINTEXT


async def test_a_second_server_on_a_taken_port_fails_to_start(serve) -> None:  # type: ignore[no-untyped-def]
    first = await serve([])
    # gRPC would otherwise share the port (SO_REUSEPORT) and answer the wrong service's callers.
    with pytest.raises(RuntimeError, match="Failed to bind"):
        await start_server([], "127.0.0.1", first.port, trust=Trust(PLAINTEXT))


def test_free_ports_for_the_stack_are_distinct() -> None:
    for _ in range(50):
        ports = free_ports(len(SERVICES))
        assert len(set(ports)) == len(SERVICES)
