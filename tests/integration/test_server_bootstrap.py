"""The server bootstrap refuses a taken port, and the stack never picks one port twice."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.cli.stack import SERVICES, free_ports
from shared.security import Trust
from shared.server import PortTaken, start_server
from shared.tls import PLAINTEXT


async def test_a_second_server_on_a_taken_port_fails_to_start(serve) -> None:  # type: ignore[no-untyped-def]
    first = await serve([])
    # gRPC would otherwise share the port (SO_REUSEPORT) and answer the wrong service's callers.
    with pytest.raises(PortTaken, match="another process holds the port"):
        await start_server([], "127.0.0.1", first.port, trust=Trust(PLAINTEXT))


def test_free_ports_for_the_stack_are_distinct() -> None:
    for _ in range(50):
        ports = free_ports(len(SERVICES))
        assert len(set(ports)) == len(SERVICES)


async def test_health_watch_streams_each_change_to_any_caller_with_a_certificate(
    serve, tmp_path, clock
) -> None:  # type: ignore[no-untyped-def]
    """grpc's own Watch writes through context.write rather than yielding: it used to end
    every call INTERNAL. Balancers and stock tools use it to follow a service."""
    from tests.integration.conftest import usda_bindings_at

    usda = await serve(usda_bindings_at(tmp_path, clock))
    name = "eligibility.usda.v1.SnapEligibilityService"
    serving, not_serving = (
        health_pb2.HealthCheckResponse.SERVING,
        health_pb2.HealthCheckResponse.NOT_SERVING,
    )
    async with usda.channel("hhs") as channel:  # any certificate of the stack's CA
        stub = health_pb2_grpc.HealthStub(channel)
        whole = stub.Watch(health_pb2.HealthCheckRequest(service=""), timeout=10)
        watch = stub.Watch(health_pb2.HealthCheckRequest(service=name), timeout=10)
        unknown = stub.Watch(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
        assert (await whole.read()).status == serving
        assert (await watch.read()).status == serving
        assert (await unknown.read()).status == health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
        await usda.running.health.set(name, not_serving)
        assert (await watch.read()).status == not_serving
        for call in (whole, watch, unknown):
            call.cancel()
            assert await call.code() == grpc.StatusCode.CANCELLED
