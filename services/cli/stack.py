"""Start and stop the whole local stack: one process per service, as a user runs it.

Used by `elig up`, the end-to-end tests and the benchmark, so all three exercise
the same start-up path.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.cli.targets import remove_targets, write_targets
from services.cli.tool_identity import DEFAULT_CASEWORKER, DEFAULT_ROLE, LocalTool
from shared.purposes import DETERMINATION
from shared.settings import DEFAULT_PORTS
from shared.tls import CASEWORKER_TOOL, MTLS

# Start order: agencies first, the orchestrator (which calls them) last.
AGENCIES = ("treasury", "ssa", "hhs", "usda")
SERVICES = (*AGENCIES, "orchestrator")
# Agencies whose records are seeded from the synthetic population before start.
SEEDED = ("treasury", "ssa", "hhs")


class StackError(RuntimeError):
    pass


def free_ports(count: int) -> list[int]:
    """Distinct free ports: every socket stays open until all are chosen, so the kernel
    cannot hand the same port out twice."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on ``host:port``. SO_REUSEADDR as gRPC binds: an earlier
    server's connections in TIME_WAIT do not hold the port, a listening socket does."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind((host, port))
    except OSError:
        return True
    finally:
        probe.close()
    return False


def console_port() -> int:
    """The console's port: ELIG_CONSOLE_PORT, else 8080; 0, as for the services, any free one."""
    raw = os.environ.get("ELIG_CONSOLE_PORT", "").strip() or "8080"
    try:
        port = int(raw)
    except ValueError:
        raise StackError(f"ELIG_CONSOLE_PORT must be a port number, not {raw!r}") from None
    return port or free_ports(1)[0]


def configured_ports(names: tuple[str, ...] = SERVICES) -> dict[str, int]:
    """Each service's port as ``ELIG_<SERVICE>_PORT`` sets it, else its default; 0 (or a
    service without a default) means any free port, chosen now so the launcher knows it."""
    ports: dict[str, int] = {}
    for name in names:
        raw = os.environ.get(f"ELIG_{name.upper()}_PORT", "").strip()
        try:
            ports[name] = int(raw) if raw else DEFAULT_PORTS.get(name, 0)
        except ValueError:
            raise StackError(
                f"ELIG_{name.upper()}_PORT must be a port number, not {raw!r}"
            ) from None
        if not 0 <= ports[name] <= 65535:
            raise StackError(f"ELIG_{name.upper()}_PORT must be 0-65535, not {ports[name]}")
    unset = [name for name, port in ports.items() if port == 0]
    ports.update(zip(unset, free_ports(len(unset)), strict=True))
    return ports


@dataclass
class Stack:
    """The five services as child processes, sharing one data folder."""

    data_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    # Per-service SQLAlchemy URLs; a missing service gets <data_dir>/<service>.db.
    database_urls: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    # "mtls" (the default) or "plaintext" (development only).
    tls_mode: str = MTLS
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # A command a service is started under (a profiler, valgrind), by service name.
    launchers: dict[str, list[str]] = field(default_factory=dict)
    last_exit_codes: dict[str, int | None] = field(default_factory=dict)
    # Told each step of a start that takes a while (seeding, waiting), for `elig up`.
    progress: Callable[[str], None] = field(default=lambda _: None, repr=False)
    wrote_targets: bool = False

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).resolve()
        missing = tuple(name for name in SERVICES if name not in self.ports)
        self.ports.update(configured_ports(missing))

    @classmethod
    def on_free_ports(cls, data_dir: Path, **kwargs: object) -> Stack:
        ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
        return cls(data_dir, ports=ports, **kwargs)  # type: ignore[arg-type]

    def target(self, name: str) -> str:
        return f"127.0.0.1:{self.ports[name]}"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def env_for(self, name: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "ELIG_DATA_DIR": str(self.data_dir),
                "ELIG_LOG_FORMAT": "json",
                "ELIG_TLS_MODE": self.tls_mode,
                f"ELIG_{name.upper()}_PORT": str(self.ports[name]),
            }
        )
        for agency in AGENCIES:
            env[f"ELIG_{agency.upper()}_TARGET"] = self.target(agency)
        if name in self.database_urls:
            env[f"ELIG_{name.upper()}_DATABASE_URL"] = self.database_urls[name]
        env.update(self.extra_env)
        return env

    def check_ports_free(self, others: dict[str, int] | None = None) -> None:
        """Refuse at once, by name, a port another process holds: otherwise the service
        started on it dies with a bind traceback, after the whole seeding."""
        wanted = {**self.ports, **(others or {})}
        taken = [f"{port} ({name})" for name, port in wanted.items() if port_in_use(port)]
        if taken:
            raise StackError(
                f"port {', '.join(taken)} already in use: is another stack running? Stop it,"
                " or start this one elsewhere: `elig up --free-ports` (`make run"
                " ARGS=--free-ports`), or ELIG_<SERVICE>_PORT for one service"
            )

    def seed(self) -> None:
        for name in SEEDED:
            self.progress(f"seeding {name} from the synthetic population ...")
            result = subprocess.run(
                [sys.executable, "-m", f"services.{name}.seed"],
                env=self.env_for(name),
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise StackError(f"seeding {name} failed:\n{result.stderr[-2000:]}")

    def start(self, timeout: float = 60.0) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # Local stand-ins for the certificates and keys a deployment provisions as secrets.
        self.tool().ensure()
        for name in SERVICES:
            self.start_one(name)
        self.progress(f"waiting until {', '.join(SERVICES)} answer ...")
        for name in SERVICES:
            self.wait_serving(name, timeout)
        # Only now: a command reading the file finds a stack that answers.
        write_targets(self.data_dir, {name: self.target(name) for name in SERVICES})
        self.wrote_targets = True

    def start_one(self, name: str) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
        # services.cli.child runs the service and stops it if this launcher dies.
        self.processes[name] = subprocess.Popen(
            [
                *self.launchers.get(name, []),
                sys.executable,
                "-m",
                "services.cli.child",
                name,
                str(os.getpid()),
            ],
            env=self.env_for(name),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def wait_serving(self, name: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes.get(name)
            if process is not None and process.poll() is not None:
                raise StackError(f"{name} exited with {process.returncode}: {self.log_tail(name)}")
            # A new channel each try: one channel kept through a slow start backs off between
            # connection attempts (1 s, 1.6 s, 2.6 s ... gRPC's defaults), so a service that
            # took 45 s to import on a busy machine was next tried after the deadline. Until
            # the port listens a try fails at once, so the generous call timeout costs nothing.
            with self.channel(name) as channel:
                try:
                    reply = health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(service=""), timeout=5.0
                    )
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
            time.sleep(0.1)
        raise StackError(
            f"{name} did not report SERVING within {timeout:.0f}s: {self.log_tail(name)}"
        )

    def tool(self, identity: str = CASEWORKER_TOOL) -> LocalTool:
        return LocalTool(self.data_dir, self.tls_mode, identity)

    def _caller(
        self,
        name: str,
        caseworker: str | None,
        role: str | None,
        identity: str | None,
        purpose: str | None = None,
    ) -> tuple[LocalTool, str | None, str | None, str | None]:
        """(tool, caseworker, role, purpose): the orchestrator takes the caseworker tool with
        a person's token; an agency, asked as the orchestrator, hears ``purpose`` (the
        determination unless told otherwise); anyone else is what its certificate says
        and nothing more."""
        if name == "orchestrator" and (identity or CASEWORKER_TOOL) == CASEWORKER_TOOL:
            return self.tool(), caseworker or DEFAULT_CASEWORKER, role or DEFAULT_ROLE, None
        if identity == "orchestrator":
            return self.tool(identity), None, None, purpose or DETERMINATION
        return self.tool(identity or CASEWORKER_TOOL), None, None, None

    def channel(
        self,
        name: str,
        caseworker: str | None = None,
        role: str | None = None,
        identity: str | None = None,
        purpose: str | None = None,
    ) -> grpc.Channel:
        """A blocking channel to one service, as the local caseworker tool opens it (for the
        orchestrator, with a token for ``caseworker`` in ``role``, by default cw-local), or
        with another identity's certificate (``identity="orchestrator"`` to call agencies,
        declaring ``purpose``, by default the determination)."""
        tool, person, as_role, purpose = self._caller(name, caseworker, role, identity, purpose)
        return tool.channel_sync(self.target(name), person, as_role, purpose)

    def aio_channel(
        self,
        name: str,
        caseworker: str | None = None,
        role: str | None = None,
        identity: str | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> grpc.aio.Channel:
        """The asyncio twin of ``channel``; ``options`` are the channel's gRPC options."""
        tool, person, as_role, purpose = self._caller(name, caseworker, role, identity)
        return tool.channel(self.target(name), person, as_role, purpose, options)

    def start_console(self, port: int | None = None, timeout: float = 30.0) -> str:
        """Start the caseworker console (services/console) beside the services, as one more
        child process stopped with them; its address. The port is ``port``, else
        ELIG_CONSOLE_PORT, else 8080 (console_port)."""
        import urllib.request

        port = port or console_port()
        env = {
            **os.environ,
            "ELIG_DATA_DIR": str(self.data_dir),
            "ELIG_TLS_MODE": self.tls_mode,
            "ELIG_CONSOLE_PORT": str(port),
            "ELIG_ORCHESTRATOR_TARGET": self.target("orchestrator"),
            **self.extra_env,
        }
        log = open(self.log_dir / "console.log", "ab")  # noqa: SIM115 - lives as long as the child
        self.processes["console"] = subprocess.Popen(
            [sys.executable, "-m", "services.cli.child", "console", str(os.getpid())],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        address = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes["console"].poll() is not None:
                raise StackError(
                    f"the console exited (is port {port} free? ELIG_CONSOLE_PORT moves it): "
                    f"{self.log_tail('console')}"
                )
            try:
                with urllib.request.urlopen(f"{address}/healthz", timeout=1.0):
                    return address
            except OSError:
                time.sleep(0.1)
        raise StackError(f"the console did not answer within {timeout:.0f}s")

    def log_tail(self, name: str, chars: int = 2000) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"

    def log_size(self, name: str) -> int:
        path = self.log_dir / f"{name}.log"
        return path.stat().st_size if path.exists() else 0

    def wait_log(self, name: str, text: str, after: int = 0, timeout: float = 60.0) -> None:
        """Until ``text`` shows in the service's log past byte ``after`` (say, the line a
        supervisor writes once all its workers listen)."""
        path = self.log_dir / f"{name}.log"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists():
                with path.open("rb") as log:
                    log.seek(after)
                    if text.encode() in log.read():
                        return
            time.sleep(0.1)
        raise StackError(f"{name} did not log {text!r} within {timeout:.0f}s")

    def stop_one(self, name: str, timeout: float = 15.0) -> int | None:
        process = self.processes.pop(name, None)
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def stop(self) -> dict[str, int | None]:
        """SIGTERM in reverse start order; returns (and keeps) each exit code."""
        # Only our own: a stack that never came up leaves another's file alone.
        if self.wrote_targets:
            remove_targets(self.data_dir)
            self.wrote_targets = False
        codes = {name: self.stop_one(name) for name in reversed(list(self.processes))}
        self.last_exit_codes.update(codes)
        return codes


@contextmanager
def running_stack(stack: Stack, *, seed: bool = True, timeout: float = 60.0) -> Iterator[Stack]:
    # Before the try: a stack refused for a taken port stops nothing, and leaves the
    # targets.json of the stack that holds the port where it is.
    stack.check_ports_free()
    try:
        if seed:
            stack.seed()
        stack.start(timeout)
        yield stack
    finally:
        stack.stop()
