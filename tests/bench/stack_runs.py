"""The orchestrator's parts of the bench, on one database engine: the whole stack started as
users start it, the synthetic population written into SSA's and Treasury's records, then

- new households, each new people, through the full path (SSA, Treasury, HHS, USDA);
- returning households: the same households again, whose identity and income are reused;
- history: one household applied for many times first, then measured like the returning;
- on PostgreSQL, new households again with the orchestrator as two worker processes;
- the resident memory of every service at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import psycopg

from services.cli.stack import SERVICES, Stack, running_stack
from shared.workers import ALL_LISTENING
from tests.bench.applications import SubmitApplications, Templates
from tests.bench.load import LoadResult, run_load
from tests.bench.memory import render_rss, stack_cpu_s, stack_rss_mib

POSTGRES_ADMIN_URL = os.environ.get(
    "ELIG_BENCH_POSTGRES_URL",
    os.environ.get("ELIG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
)
ENGINES = ("sqlite", "postgres")


@dataclass
class Settings:
    clients: int
    duration_s: float
    warmup_s: float
    max_requests: int
    timeout_s: float
    parts: list[str]
    # Earlier applications of the one household of the history part.
    history: int


@dataclass
class EngineRun:
    engine: str
    rows: list[tuple[str, LoadResult]] = field(default_factory=list)
    # MiB per service after every part, and how many applications the stack took by then.
    memory: dict[str, float] = field(default_factory=dict)
    applications: int = 0
    failure: str | None = None


def postgres_unreachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as error:  # any failure to connect means unreachable
        return f"PostgreSQL unreachable at {POSTGRES_ADMIN_URL}: {error}"


@contextmanager
def database_urls(engine: str) -> Iterator[dict[str, str]]:
    """Nothing for SQLite (each service's own file in the data folder); for PostgreSQL a
    new database per service, dropped afterwards."""
    if engine == "sqlite":
        yield {}
        return
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    run = uuid.uuid4().hex[:8]
    names = {service: f"elig_bench_{run}_{service}" for service in SERVICES}
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {service: f"{base}/{name}" for service, name in names.items()}
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_population(stack: Stack, records: Path) -> None:
    """The synthetic people into SSA's and Treasury's records, wherever the stack keeps them."""
    for service in ("ssa", "treasury"):
        result = subprocess.run(
            [sys.executable, "-m", f"services.{service}.seed", "--file", str(records)],
            env=stack.env_for(service),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"seeding {service} failed:\n{result.stderr[-2000:]}")
        print(f"  {result.stdout.strip()}", file=sys.stderr, flush=True)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Runner:
    """The parts on one running stack, in order, each from where the last left off."""

    def __init__(self, stack: Stack, settings: Settings, templates: Templates) -> None:
        self.stack = stack
        self.settings = settings
        self.templates = templates
        self.channels = self.open_channels()
        # Households applied so far: those after it are still new people.
        self.applied = 0
        self.sent = 0

    def open_channels(self) -> list[grpc.aio.Channel]:
        """One connection per client, each its own (no subchannel shared between them),
        so that several orchestrator workers each get some: the kernel spreads
        connections, not calls."""
        return [
            self.stack.aio_channel("orchestrator", options=[("grpc.use_local_subchannel_pool", 1)])
            for _ in range(self.settings.clients)
        ]

    async def reconnect(self) -> None:
        await self.close()
        self.channels = self.open_channels()

    async def load(
        self,
        label: str,
        templates: Templates,
        *,
        cycle: bool,
        duration_s: float | None = None,
        max_requests: int | None = None,
        warmup_s: float | None = None,
    ) -> tuple[LoadResult, int]:
        call = SubmitApplications(
            self.channels, templates, self.settings.timeout_s, cycle=cycle, close_channel=False
        )
        before = stack_cpu_s(self.stack)
        result = await run_load(
            label,
            call,
            clients=self.settings.clients,
            duration_s=self.settings.duration_s if duration_s is None else duration_s,
            max_requests=self.settings.max_requests if max_requests is None else max_requests,
            warmup_s=self.settings.warmup_s if warmup_s is None else warmup_s,
        )
        after = stack_cpu_s(self.stack)
        if call.sent:
            result.cpu_ms = {
                name: (after[name] - before.get(name, 0.0)) * 1000 / call.sent for name in after
            }
        self.sent += call.sent
        return result, call.sent

    async def new(self, label: str) -> LoadResult:
        result, sent = await self.load(label, self.templates[self.applied :], cycle=False)
        self.applied += sent
        if self.applied >= len(self.templates):
            say(f"  every household has applied: raise --households for a longer {label}")
        return result

    async def returning(self, label: str) -> LoadResult:
        applied = self.templates[: max(self.applied, 1)]
        result, _ = await self.load(label, applied, cycle=True)
        self.applied = max(self.applied, 1)
        return result

    async def history(self, label: str) -> LoadResult:
        one = self.templates[:1]
        count = self.settings.history
        say(f"applying one household {count} times first ...")
        await self.load(
            "history", one, cycle=True, duration_s=3600.0, max_requests=count, warmup_s=0.0
        )
        result, _ = await self.load(label, one, cycle=True)
        return result

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()


async def run_engine(
    engine: str, data_dir: Path, settings: Settings, templates: Templates, records: Path
) -> EngineRun:
    run = EngineRun(engine)
    with database_urls(engine) as urls:
        say(f"[{engine}] starting the stack in {data_dir} ...")
        # Loopback only, whatever ELIG_HOST the caller's environment holds.
        stack = Stack.on_free_ports(
            data_dir, database_urls=urls, extra_env={"ELIG_HOST": "127.0.0.1"}
        )
        stack.seed()
        seed_population(stack, records)
        with running_stack(stack, seed=False):
            runner = Runner(stack, settings, templates)
            try:
                await _parts(engine, runner, run)
                run.memory = stack_rss_mib(stack)
                run.applications = runner.sent
                say(
                    f"[{engine}] RSS MiB after {runner.sent} applications: "
                    + render_rss(run.memory)
                )
            finally:
                await runner.close()
    return run


async def _parts(engine: str, runner: Runner, run: EngineRun) -> None:
    parts = runner.settings.parts
    two_workers = engine == "postgres" and "workers" in parts
    worker_note = ", 1 worker" if two_workers else ""
    if "new" in parts:
        run.rows.append(
            (f"{engine}: new households{worker_note}", await runner.new(f"{engine} new"))
        )
    if "returning" in parts:
        run.rows.append(
            (f"{engine}: returning households", await runner.returning(f"{engine} returning"))
        )
    if "history" in parts and runner.settings.history > 0:
        label = f"{engine}: returning, {runner.settings.history} earlier"
        run.rows.append((label, await runner.history(f"{engine} history")))
    if two_workers:
        stack = runner.stack
        say(f"[{engine}] restarting the orchestrator as two worker processes ...")
        stack.stop_one("orchestrator")
        stack.extra_env["ELIG_ORCHESTRATOR_WORKERS"] = "2"
        logged = stack.log_size("orchestrator")
        stack.start_one("orchestrator")
        # Connections made before the second worker listens would all go to the first.
        stack.wait_log("orchestrator", ALL_LISTENING, logged)
        await runner.reconnect()
        run.rows.append(
            (f"{engine}: new households, 2 workers", await runner.new(f"{engine} new x2"))
        )
