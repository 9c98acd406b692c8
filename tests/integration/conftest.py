"""Integration fixtures: real servers on ephemeral loopback ports, real databases."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlmodel import select

from services.cli.tool_identity import LocalTool
from shared.access_audit import ACCESS, open_access_audit, refusal_sink
from shared.caseworker_token import LocalTokenKeys
from shared.clock import SystemClock
from shared.db import Database
from shared.purposes import DETERMINATION
from shared.rate_limit import CallLimits
from shared.refusal_windows import DEFAULT_PER_WINDOW, DEFAULT_WINDOW_SECONDS, RefusalWindows
from shared.security import Trust
from shared.server import RunningServer, ServiceBinding, start_server
from shared.tls import CASEWORKER_TOOL, MTLS, DevCertificates

# What a test's caseworker is called, and the purpose an agency test declares.
TEST_CASEWORKER = "cw-test"


@pytest.fixture(scope="session")
def credentials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development CA, a certificate per identity and the token keys, made once."""
    folder = tmp_path_factory.mktemp("credentials")
    LocalTool(folder).ensure()
    return folder


def identity_of(bindings: Sequence[ServiceBinding]) -> str:
    """The certificate a server presents: eligibility.<name>.v1.Service -> <name>."""
    return bindings[0].full_name.split(".")[1] if bindings else "orchestrator"


class ServerHandle:
    def __init__(
        self,
        running: RunningServer,
        credentials: Path,
        audit: Database,
        refusal_windows: RefusalWindows | None = None,
    ) -> None:
        self.running = running
        self.port = running.port
        self.target = f"127.0.0.1:{running.port}"
        self.credentials = credentials
        # The server's access audit log (refused calls), to check what it recorded.
        self.audit = audit
        # What writes to it: the refusals counted and not yet written sit here.
        self.refusal_windows = refusal_windows
        self.is_orchestrator = "orchestrator" in "".join(running.service_names)

    def channel(
        self,
        as_identity: str | None = None,
        caseworker: str | None = None,
        role: str | None = None,
        purpose: str | None = None,
    ) -> grpc.aio.Channel:
        """A channel as a real caller would open it: by default the caseworker tool with a
        caseworker's token for the orchestrator, and the orchestrator (declaring the
        determination purpose) for an agency."""
        if self.is_orchestrator:
            identity = as_identity or CASEWORKER_TOOL
            if identity == CASEWORKER_TOOL and caseworker is None:
                caseworker, role = TEST_CASEWORKER, role or "caseworker"
        else:
            identity = as_identity or "orchestrator"
            purpose = purpose or DETERMINATION
        tool = LocalTool(self.credentials, MTLS, identity)
        return tool.channel(self.target, caseworker, role, purpose)

    def refusals(self) -> list[Any]:
        """Every entry of the server's access audit log, oldest first."""
        with self.audit.session() as session:
            return list(session.exec(select(ACCESS.entry).order_by(ACCESS.entry.seq)))

    async def stop(self) -> None:
        await self.running.stop(None)


@dataclass
class Recorder(grpc.aio.ServerInterceptor):
    """Counts the calls a server receives and keeps what each carried: the way a test
    sees what an agency was actually told."""

    calls: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, Any]] = field(default_factory=list)
    # Calls to keep and then fail with UNAVAILABLE unserved, as a network that loses
    # requests would, while whoever was listening on the wire keeps a copy.
    drop_next: int = 0
    # Awaited with each request before it is served, so a test can act while a call is
    # in flight (revoke a consent while the orchestrator waits on SSA, say).
    on_call: Callable[[Any], Awaitable[None]] | None = None

    async def intercept_service(self, continuation, handler_call_details):  # type: ignore[no-untyped-def]
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or handler.unary_unary is None or "grpc." in method:
            return handler
        behavior = handler.unary_unary

        async def recorded(request: Any, context: grpc.aio.ServicerContext) -> Any:
            self.calls[method.rsplit("/", 1)[-1]] += 1
            self.requests.append((method, request))
            if self.on_call is not None:
                await self.on_call(request)
            if self.drop_next > 0:
                self.drop_next -= 1
                await context.abort(grpc.StatusCode.UNAVAILABLE, "lost on the way")
            return await behavior(request, context)

        return grpc.unary_unary_rpc_method_handler(
            recorded,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def of(self, rpc: str) -> list[Any]:
        return [r for m, r in self.requests if m.endswith("/" + rpc)]


Serve = Callable[..., Awaitable[ServerHandle]]


def usda_bindings_at(
    folder: Path, clock: Any, database_url: str | None = None
) -> list[ServiceBinding]:
    """USDA's bindings on a database of its own (a SQLite file in ``folder`` unless a URL
    is given) and a subject key made there, for tests that only need USDA answering."""
    from services.usda import server as usda_server
    from services.usda.rules import load_parameters
    from shared.consent import ensure_local_keys

    db = Database(database_url or f"sqlite:///{folder / 'usda.db'}", usda_server.TABLES)
    db.create_tables()
    key = ensure_local_keys(folder).subject_key()
    return usda_server.bindings(load_parameters(), clock, db, key)


@pytest.fixture
async def serve(credentials: Path, tmp_path: Path) -> AsyncIterator[Serve]:
    """Start servers on port 0 (or on a given port, to bring a stopped one back where its
    callers look) with mutual TLS, their access policies and the call limits as deployed
    (``limits`` and the refusal windows' figures and clock to test them); every one is
    stopped when the test ends."""
    started: list[RunningServer] = []
    audits: list[Database] = []
    sinks: list[RefusalWindows] = []

    async def _serve(
        bindings: Sequence[ServiceBinding],
        recorder: Recorder | None = None,
        audit_url: str | None = None,
        port: int = 0,
        *,
        limits: CallLimits | None = None,
        refusals_per_window: int = DEFAULT_PER_WINDOW,
        refusal_window_seconds: float = DEFAULT_WINDOW_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> ServerHandle:
        extra = [recorder] if recorder is not None else []
        identity = identity_of(bindings)
        audit = open_access_audit(audit_url or f"sqlite:///{tmp_path / f'{identity}-access.db'}")
        audits.append(audit)
        windows = refusal_sink(
            audit,
            SystemClock(),
            per_window=refusals_per_window,
            window_seconds=refusal_window_seconds,
            monotonic=monotonic,
        )
        sinks.append(windows)
        trust = Trust(
            MTLS,
            DevCertificates.in_data_dir(credentials).files(identity),
            LocalTokenKeys.in_data_dir(credentials).verifier()
            if identity == "orchestrator"
            else None,
            windows,
            limits or CallLimits(),
        )
        running = await start_server(bindings, "127.0.0.1", port, extra, trust=trust)
        started.append(running)
        return ServerHandle(running, credentials, audit, windows)

    yield _serve
    for running in started:
        await running.stop(None)
    for windows in sinks:
        await windows.close()
    for audit in audits:
        audit.dispose()


@dataclass
class Coordination:
    """The whole stack in one process: every agency on its own server, the orchestrator
    calling them over loopback gRPC, all on one real database."""

    orchestrator: Any  # CoordinationServiceStub
    agencies: dict[str, ServerHandle]
    recorders: dict[str, Recorder]
    orchestrator_db: Any
    keys: Any  # shared.consent.LocalConsentKeys
    handle: ServerHandle  # the orchestrator's server
    # The orchestrator's agency gateway, for a second orchestrator (a replica) to share.
    gateway: Any = None
    # Every service's database by name: to count the rows a refused request left behind.
    databases: dict[str, Any] = field(default_factory=dict)
    # Rung when a case gains an event: a test's dispatcher rings it for the watchers.
    changed: Any = None
    # The WatchCase use case, to stop as the server's shutdown does.
    watch: Any = None
    _channels: list[grpc.aio.Channel] = field(default_factory=list)

    def stub_as(
        self, caseworker: str | None, role: str = "caseworker", identity: str | None = None
    ) -> Any:
        """The orchestrator as another caller: another caseworker or role, or (with
        ``identity``) another certificate, with no token when ``caseworker`` is None."""
        from eligibility.orchestrator.v1 import coordination_pb2_grpc

        if caseworker is None:
            channel = LocalTool(self.handle.credentials, MTLS, identity or CASEWORKER_TOOL).channel(
                self.handle.target
            )
        else:
            channel = self.handle.channel(identity, caseworker, role)
        self._channels.append(channel)
        return coordination_pb2_grpc.CoordinationServiceStub(channel)


@pytest.fixture
async def coordination(
    serve, database_url, clock, tmp_path, credentials
) -> AsyncIterator[Coordination]:  # type: ignore[no-untyped-def]
    from eligibility.orchestrator.v1 import coordination_pb2_grpc
    from services.hhs import rules as hhs_rules
    from services.hhs import seed as hhs_seed
    from services.hhs import server as hhs_server
    from services.hhs.tables import TABLES as HHS_TABLES
    from services.orchestrator import server as orchestrator_server
    from services.orchestrator.adapters.agencies import AgencyGateway
    from services.orchestrator.adapters.subjects import Subjects
    from services.orchestrator.usecases.bell import Bell
    from services.orchestrator.usecases.watch import CaseWatch
    from services.ssa import seed as ssa_seed
    from services.ssa import server as ssa_server
    from services.ssa.tables import TABLES as SSA_TABLES
    from services.treasury import seed as treasury_seed
    from services.treasury import server as treasury_server
    from services.treasury.tables import TABLES as TREASURY_TABLES
    from services.usda import server as usda_server
    from services.usda.rules import load_parameters as load_snap_parameters
    from services.usda.tables import TABLES as USDA_TABLES
    from shared.consent import ensure_local_keys
    from shared.context import local_service, set_local_service
    from shared.db import Database

    # The process calls the agencies as the orchestrator, as `run_service` names it in
    # a real stack (so do the test's own calls, unless they name another caller).
    named_before = local_service()
    set_local_service("orchestrator")
    keys = ensure_local_keys(tmp_path)
    subject_key = keys.subject_key()
    databases: list[Database] = []

    def open_db(tables: Sequence[Any]) -> Database:
        db = Database(database_url, tables)
        db.create_tables()
        databases.append(db)
        return db

    treasury_db, ssa_db, hhs_db = open_db(TREASURY_TABLES), open_db(SSA_TABLES), open_db(HHS_TABLES)
    usda_db = open_db(USDA_TABLES)
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
            hhs_server.bindings(hhs_db, hhs_rules.load_parameters(), clock, subject_key),
            recorders["hhs"],
        ),
        "usda": await serve(
            usda_server.bindings(load_snap_parameters(), clock, usda_db, subject_key),
            recorders["usda"],
        ),
    }
    gateway = AgencyGateway(
        {n: h.target for n, h in agencies.items()},
        default_budget=3.0,
        tls=DevCertificates.in_data_dir(credentials).files("orchestrator"),
    )
    orchestrator_db = orchestrator_server.open_database(database_url)
    databases.append(orchestrator_db)
    changed = Bell()
    watch = CaseWatch(orchestrator_db, clock, Subjects(subject_key), changed, poll_seconds=0.2)
    handle = await serve(
        orchestrator_server.bindings(
            orchestrator_db, gateway, clock, keys.signer(), subject_key, watch=watch
        ),
        audit_url=database_url,
    )
    async with handle.channel() as channel:
        stack = Coordination(
            coordination_pb2_grpc.CoordinationServiceStub(channel),
            agencies,
            recorders,
            orchestrator_db,
            keys,
            handle,
            gateway,
            {
                "treasury": treasury_db,
                "ssa": ssa_db,
                "hhs": hhs_db,
                "usda": usda_db,
                "orchestrator": orchestrator_db,
            },
            changed,
            watch,
        )
        yield stack
        for extra in stack._channels:
            await extra.close()
    await gateway.close()
    for db in databases:
        db.dispose()
    set_local_service(named_before)
