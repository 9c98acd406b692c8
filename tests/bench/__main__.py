"""python -m tests.bench [--clients N] [--duration S] ...: print the baseline figures."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from services.cli.sim_cmd import seed_agencies, write_population
from services.cli.stack import Stack, StackError, running_stack
from tests.bench.applications import SubmitApplications, example_requests, synthetic_requests
from tests.bench.echo import FAN_OUT, EchoFanOut, echo_servers
from tests.bench.load import LoadResult, run_load
from tests.bench.report import as_json, render
from tests.bench.rules import hhs_calls, run_rules, usda_calls

PARTS = ("orchestrator", "ceiling", "rules")


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
        "--data-dir", type=Path, help="keep the stack's data and logs here (default: a temp dir)"
    )
    parser.add_argument(
        "--households",
        type=int,
        default=3000,
        help="synthetic households to apply with, each new people (3000; 0: the examples)",
    )
    parser.add_argument("--seed", type=int, default=1, help="population seed (1)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if args.clients < 1 or args.duration <= 0 or args.max_requests < 1:
        parser.error("--clients, --duration and --max-requests must be positive")
    return args


def applications(args: argparse.Namespace, data_dir: Path) -> list[tuple[str, Any]]:
    """New people for every call (a synthetic population written into SSA's and Treasury's
    records), or with --households 0 the five examples over and over."""
    if args.households == 0:
        return list(example_requests().items())
    print(f"writing {args.households} synthetic households ...", file=sys.stderr, flush=True)
    today = dt.date.today()
    records, households, _ = write_population(
        data_dir, args.households, args.seed, today, today.year + 1
    )
    seed_agencies(records, data_dir)
    return synthetic_requests(households)


async def measure_orchestrator(args: argparse.Namespace, data_dir: Path) -> LoadResult:
    print(f"starting the stack in {data_dir} ...", file=sys.stderr, flush=True)
    # Loopback only, whatever ELIG_HOST the caller's environment holds.
    stack = Stack.on_free_ports(data_dir, extra_env={"ELIG_HOST": "127.0.0.1"})
    stack.seed()
    templates = applications(args, stack.data_dir)
    with running_stack(stack, seed=False):
        call = SubmitApplications(stack.aio_channel("orchestrator"), templates, args.timeout)
        try:
            return await run_load(
                "orchestrator",
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
        call = EchoFanOut(targets, payload, args.timeout, certs)
        try:
            return await run_load(
                "echo x3",
                call,
                clients=args.clients,
                duration_s=args.duration,
                max_requests=args.max_requests,
                warmup_s=args.warmup,
            )
        finally:
            await call.close()


async def main(args: argparse.Namespace) -> int:
    requests = list(example_requests().values())
    # The echo payload is as large as a real application, so both parts move the same bytes.
    payload = max(requests, key=lambda r: r.ByteSize()).SerializeToString()
    orchestrator = ceiling = None
    failure = None
    if "orchestrator" in args.parts:
        try:
            if args.data_dir:
                orchestrator = await measure_orchestrator(args, args.data_dir)
            else:
                with tempfile.TemporaryDirectory(prefix="elig-bench-") as tmp:
                    orchestrator = await measure_orchestrator(args, Path(tmp))
        except StackError as error:
            failure = f"the stack did not start: {error}"
        if failure:
            print(f"orchestrator: {failure}", file=sys.stderr)
    if "ceiling" in args.parts:
        with tempfile.TemporaryDirectory(prefix="elig-bench-certs-") as certs:
            ceiling = await measure_ceiling(args, payload, Path(certs))
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
        "households": len(requests),
        # Synthetic households applied with (0: the examples, over and over).
        "population": args.households,
    }
    print(render(settings, orchestrator, failure, ceiling, rules))
    if args.json:
        figures = as_json(settings, orchestrator, failure, ceiling, rules)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    failed = failure is not None or (orchestrator is not None and orchestrator.completed == 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
