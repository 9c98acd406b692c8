"""Integration fixtures: real servers on ephemeral loopback ports, real databases."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

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

    async def stop(self) -> None:
        await self.running.stop(None)


@dataclass
class Recorder(grpc.aio.ServerInterceptor):
    """Counts the calls a server receives and keeps what each carried: the way a test
    sees what an agency was actually told."""

    calls: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, Any]] = field(default_factory=list)

    async def intercept_service(self, continuation, handler_call_details):  # type: ignore[no-untyped-def]
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or handler.unary_unary is None or "grpc." in method:
            return handler
        behavior = handler.unary_unary

        async def recorded(request: Any, context: grpc.aio.ServicerContext) -> Any:
            self.calls[method.rsplit("/", 1)[-1]] += 1
            self.requests.append((method, request))
            return await behavior(request, context)

        return grpc.unary_unary_rpc_method_handler(
            recorded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def of(self, rpc: str) -> list[Any]:
        return [r for m, r in self.requests if m.endswith("/" + rpc)]


Serve = Callable[..., Awaitable[ServerHandle]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start servers on port 0 for one test; every one is stopped when the test ends."""
    started: list[RunningServer] = []

    async def _serve(
        bindings: Sequence[ServiceBinding], recorder: Recorder | None = None
    ) -> ServerHandle:
        extra = [recorder] if recorder is not None else []
        running = await start_server(bindings, "127.0.0.1", 0, extra)
        started.append(running)
        return ServerHandle(running)

    yield _serve
    for running in started:
        await running.stop(None)


@dataclass
class Coordination:
    """The whole stack in one process: every agency on its own server, the orchestrator
    calling them over loopback gRPC, all on one real database."""

    orchestrator: Any  # CoordinationServiceStub
    agencies: dict[str, ServerHandle]
    recorders: dict[str, Recorder]
    orchestrator_db: Any
    keys: Any  # shared.consent.LocalConsentKeys
    # The orchestrator's own server, and every service's database by name: what a test
    # needs to send raw bytes to it, or to count the rows a refused request left behind.
    server: ServerHandle | None = None
    databases: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
async def coordination(serve, database_url, clock, tmp_path) -> AsyncIterator[Coordination]:  # type: ignore[no-untyped-def]
    from eligibility.orchestrator.v1 import coordination_pb2_grpc
    from services.hhs import rules as hhs_rules
    from services.hhs import seed as hhs_seed
    from services.hhs import server as hhs_server
    from services.hhs.tables import TABLES as HHS_TABLES
    from services.orchestrator import server as orchestrator_server
    from services.orchestrator.agencies import AgencyGateway
    from services.ssa import seed as ssa_seed
    from services.ssa import server as ssa_server
    from services.ssa.tables import TABLES as SSA_TABLES
    from services.treasury import seed as treasury_seed
    from services.treasury import server as treasury_server
    from services.treasury.tables import TABLES as TREASURY_TABLES
    from services.usda import server as usda_server
    from services.usda.rules import load_parameters as load_snap_parameters
    from shared.consent import ensure_local_keys
    from shared.db import Database

    keys = ensure_local_keys(tmp_path)
    subject_key = keys.subject_key()
    databases: list[Database] = []

    def open_db(tables: Sequence[Any]) -> Database:
        db = Database(database_url, tables)
        db.create_tables()
        databases.append(db)
        return db

    treasury_db, ssa_db, hhs_db = open_db(TREASURY_TABLES), open_db(SSA_TABLES), open_db(HHS_TABLES)
    treasury_seed.seed(treasury_db)
    ssa_seed.seed(ssa_db)
    hhs_seed.seed(hhs_db)
    recorders = {name: Recorder() for name in ("treasury", "ssa", "hhs", "usda")}
    agencies = {
        "treasury": await serve(
            treasury_server.bindings(treasury_db, clock, keys.verifier(), subject_key),
            recorders["treasury"],
        ),
        "ssa": await serve(ssa_server.bindings(ssa_db, clock, subject_key), recorders["ssa"]),
        "hhs": await serve(
            hhs_server.bindings(hhs_db, hhs_rules.load_parameters(), clock), recorders["hhs"]
        ),
        "usda": await serve(usda_server.bindings(load_snap_parameters(), clock), recorders["usda"]),
    }
    gateway = AgencyGateway({n: h.target for n, h in agencies.items()}, default_budget=3.0)
    orchestrator_db = orchestrator_server.open_database(database_url)
    databases.append(orchestrator_db)
    handle = await serve(
        orchestrator_server.bindings(orchestrator_db, gateway, clock, keys.signer(), subject_key)
    )
    async with handle.channel() as channel:
        yield Coordination(
            coordination_pb2_grpc.CoordinationServiceStub(channel),
            agencies,
            recorders,
            orchestrator_db,
            keys,
            handle,
            {
                "treasury": treasury_db,
                "ssa": ssa_db,
                "hhs": hhs_db,
                "orchestrator": orchestrator_db,
            },
        )
    await gateway.close()
    for db in databases:
        db.dispose()
