"""`make bench-memory`: N applications through one stack, each service's resident memory
(RSS) printed every tenth of the way, so growth shows as it happens. The households come
round again once all have applied (from then on they are re-applications)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from services.cli.stack import Stack, running_stack
from tests.bench.applications import SubmitApplications, Templates
from tests.bench.load import run_load
from tests.bench.memory import render_rss, stack_rss_mib
from tests.bench.stack_runs import Runner, Settings, database_urls, seed_population

STEPS = 10


async def run_memory(
    args: argparse.Namespace,
    settings: Settings,
    population: Callable[[argparse.Namespace, Path], tuple[Templates, Path]],
) -> int:
    engine = args.databases[0]
    with tempfile.TemporaryDirectory(prefix="elig-bench-memory-") as tmp:
        root = args.data_dir or Path(tmp)
        templates, records = population(args, root)
        with database_urls(engine) as urls:
            stack = Stack.on_free_ports(
                root / engine, database_urls=urls, extra_env={"ELIG_HOST": "127.0.0.1"}
            )
            stack.seed()
            seed_population(stack, records)
            with running_stack(stack, seed=False):
                runner = Runner(stack, settings, templates)
                try:
                    return await _grow(runner, args.memory, engine)
                finally:
                    await runner.close()


async def _grow(runner: Runner, total: int, engine: str) -> int:
    start = stack_rss_mib(runner.stack)
    lines = [f"{engine} RSS MiB at start: {render_rss(start)}"]
    print(lines[-1], file=sys.stderr, flush=True)
    errors = 0
    step = max(1, total // STEPS)
    settings = runner.settings
    # One sender throughout, so the households go round in order across the steps.
    call = SubmitApplications(
        runner.channels, runner.templates, settings.timeout_s, cycle=True, close_channel=False
    )
    while call.sent < total:
        result = await run_load(
            "memory",
            call,
            clients=settings.clients,
            duration_s=1e9,
            max_requests=min(step, total - call.sent),
        )
        errors += result.error_count
        lines.append(
            f"{engine} RSS MiB after {call.sent:>7} applications"
            f" ({result.per_second:.0f}/s, {errors} errors): "
            + render_rss(stack_rss_mib(runner.stack))
        )
        print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))
    return 1 if errors else 0
