"""python -m tests.bench [--clients N] [--duration S] ...: print the figures.

One run measures, each part after the last: the bare echo fan-out (this machine's
ceiling), the application's own shape of calls in bare gRPC (its floor), then on each database engine the orchestrator with new households, returning
households and a household with a long history (and on PostgreSQL, two workers), then
the rules in process. With --memory N it instead sends N applications and prints each
service's resident memory as it goes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from services.cli.sim_cmd import write_population
from services.cli.stack import StackError
from shared.gc_tuning import tune_collector
from tests.bench.applications import Templates, example_requests, synthetic_requests
from tests.bench.echo import FAN_OUT, EchoFanOut, echo_servers
from tests.bench.load import LoadResult, run_load
from tests.bench.memory_run import run_memory
from tests.bench.path_floor import RelayCall, relay
from tests.bench.report import as_json, render
from tests.bench.rules import hhs_calls, run_rules, usda_calls
from tests.bench.stack_runs import ENGINES, EngineRun, Settings, postgres_unreachable, run_engine

PARTS = ("new", "returning", "history", "workers", "ceiling", "floor", "rules")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds measured per part (10)"
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds not measured first (1)")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=100_000,
        help="cap on measured calls (or households) per part",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="deadline of one call, s (30)")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}"
    )
    parser.add_argument(
        "--databases",
        default=",".join(ENGINES),
        help="engines to run the orchestrator parts on (sqlite,postgres)",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="keep the stacks' data and logs under here (default: temp)"
    )
    parser.add_argument(
        "--households",
        type=int,
        default=6000,
        help="synthetic households, each new people (6000); new-household parts end early"
        " when all have applied",
    )
    parser.add_argument(
        "--history",
        type=int,
        default=1000,
        help="earlier applications of the history part's household (1000)",
    )
    parser.add_argument(
        "--memory",
        type=int,
        default=0,
        help="instead: send this many applications and print each service's RSS as it grows",
    )
    parser.add_argument("--seed", type=int, default=1, help="population seed (1)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if set(args.databases) - set(ENGINES):
        parser.error(f"--databases takes {', '.join(ENGINES)}")
    if args.clients < 1 or args.duration <= 0 or args.max_requests < 1 or args.households < 1:
        parser.error("--clients, --duration, --max-requests and --households must be positive")
    return args


def population(args: argparse.Namespace, folder: Path) -> tuple[Templates, Path]:
    """The synthetic households to apply with, and the records file the agencies take."""
    say(f"writing {args.households} synthetic households ...")
    today = dt.date.today()
    records, households, _ = write_population(
        folder, args.households, args.seed, today, today.year + 1
    )
    return synthetic_requests(households), records


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def settings_of(args: argparse.Namespace) -> Settings:
    return Settings(
        clients=args.clients,
        duration_s=args.duration,
        warmup_s=args.warmup,
        max_requests=args.max_requests,
        timeout_s=args.timeout,
        parts=args.parts,
        history=args.history,
    )


async def measure_bare(
    args: argparse.Namespace, name: str, call: EchoFanOut | RelayCall
) -> LoadResult:
    """A bare-gRPC part: ``call`` under the same load as the stack's parts."""
    try:
        return await run_load(
            name,
            call,
            clients=args.clients,
            duration_s=args.duration,
            max_requests=args.max_requests,
            warmup_s=args.warmup,
        )
    finally:
        await call.close()


async def measure_ceiling(args: argparse.Namespace, payload: bytes, certs: Path) -> LoadResult:
    with echo_servers(certs, FAN_OUT) as targets:
        return await measure_bare(
            args, "echo x3", EchoFanOut(targets, payload, args.timeout, certs)
        )


async def measure_floor(args: argparse.Namespace, payload: bytes, certs: Path) -> LoadResult:
    with relay(certs) as target:
        return await measure_bare(
            args, "path floor", RelayCall(target, payload, args.timeout, certs)
        )


async def measure_engines(args: argparse.Namespace, root: Path) -> list[EngineRun]:
    templates, records = population(args, root)
    runs = []
    for engine in args.databases:
        if engine == "postgres" and (reason := postgres_unreachable()):
            runs.append(EngineRun(engine, failure=f"n/a: {reason}"))
            continue
        try:
            runs.append(
                await run_engine(engine, root / engine, settings_of(args), templates, records)
            )
        except (StackError, RuntimeError) as error:
            runs.append(EngineRun(engine, failure=str(error)))
            say(f"[{engine}] failed: {error}")
    return runs


async def main(args: argparse.Namespace) -> int:
    if args.memory:
        return await run_memory(args, settings_of(args), population)
    requests = list(example_requests().values())
    # The echo payload is as large as a real application, so both parts move the same bytes.
    payload = max(requests, key=lambda r: r.ByteSize()).SerializeToString()
    ceiling = floor = None
    if {"ceiling", "floor"} & set(args.parts):
        with tempfile.TemporaryDirectory(prefix="elig-bench-certs-") as certs:
            if "ceiling" in args.parts:
                ceiling = await measure_ceiling(args, payload, Path(certs))
            if "floor" in args.parts:
                floor = await measure_floor(args, payload, Path(certs))
    runs: list[EngineRun] = []
    if set(args.parts) & {"new", "returning", "history", "workers"}:
        if args.data_dir:
            runs = await measure_engines(args, args.data_dir)
        else:
            with tempfile.TemporaryDirectory(prefix="elig-bench-") as tmp:
                runs = await measure_engines(args, Path(tmp))
    rules = []
    if "rules" in args.parts:
        for name, make_calls in (("hhs", hhs_calls), ("usda", usda_calls)):
            rules.append(
                run_rules(
                    name,
                    make_calls,
                    requests,
                    duration_s=min(args.duration, 5.0),
                    max_households=args.max_requests,
                )
            )
    settings: dict[str, Any] = {
        "clients": args.clients,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "fan_out": FAN_OUT,
        "population": args.households,
        "history": args.history,
    }
    print(render(settings, ceiling, runs, rules, floor))
    if args.json:
        figures = as_json(settings, ceiling, runs, rules, floor)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    failed = any(
        (r.failure and not r.failure.startswith("n/a"))
        or any(res.completed == 0 for _, res in r.rows)
        for r in runs
    )
    return 1 if failed else 0


if __name__ == "__main__":
    # The callers share the machine with what they measure: they take the services'
    # collector settings, so their own upkeep takes as little from either as it can.
    tune_collector()
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
