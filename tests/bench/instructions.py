"""Instructions one service spends per new application, counted by callgrind.

``python -m tests.bench.instructions [--service orchestrator] [--applications 60]``

Applications per second on a shared 2-core machine move by a fifth from one run to the
next, more than most single changes do. An instruction count does not: the service runs
under valgrind's callgrind with counting off while it starts and warms up, then on for
a fixed number of new households (the bench's synthetic population, through the whole
path), and the count is divided by them. Two runs of the same code agree within about 3%.
It counts user-space instructions only: time in the kernel (sockets, locks) and cache
misses are not in it, so it complements the bench's figures rather than replacing them.
Needs valgrind (Debian's package of that name); the service runs about 50 times slower.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from services.cli.sim_cmd import write_population
from services.cli.stack import SERVICES, Stack, running_stack
from tests.bench.applications import synthetic_requests
from tests.bench.stack_runs import Runner, Settings, database_urls, seed_population


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.instructions")
    parser.add_argument("--service", choices=SERVICES, default="orchestrator")
    parser.add_argument("--applications", type=int, default=60, help="counted (60)")
    parser.add_argument("--warmup", type=int, default=30, help="sent first, not counted (30)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (4)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seed", type=int, default=1, help="population seed (1)")
    args = parser.parse_args(argv)
    if args.applications < 1 or args.warmup < 0 or args.clients < 1:
        parser.error("--applications and --clients must be positive, --warmup at least 0")
    return args


def total_instructions(dump: Path) -> int:
    """The ``totals:`` line of a callgrind dump (every thread of the process)."""
    for line in dump.read_text(errors="replace").splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"{dump} holds no totals line")


def _control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True)


async def measure(args: argparse.Namespace, folder: Path) -> tuple[int, int, int]:
    """(instructions, applications counted, errors among them)."""
    wanted = args.warmup + args.applications
    records, households, _ = write_population(
        folder, wanted, args.seed, dt.date.today(), dt.date.today().year + 1
    )
    templates = synthetic_requests(households)
    out = folder / "callgrind"
    out.mkdir()
    settings = Settings(
        clients=args.clients,
        duration_s=24 * 3600.0,
        warmup_s=0.0,
        max_requests=0,
        timeout_s=600.0,
        parts=["new"],
        history=0,
    )
    launcher = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}/callgrind.%p",
    ]
    with database_urls(args.database) as urls:
        stack = Stack.on_free_ports(
            folder / "stack",
            database_urls=urls,
            extra_env={"ELIG_HOST": "127.0.0.1"},
            launchers={args.service: launcher},
        )
        stack.seed()
        seed_population(stack, records)
        # Python's start under valgrind takes a minute or more.
        with running_stack(stack, seed=False, timeout=900.0):
            runner = Runner(stack, settings, templates)
            try:
                if args.warmup:
                    await runner.load(
                        "warm-up", templates[: args.warmup], cycle=False, max_requests=args.warmup
                    )
                pid = str(stack.processes[args.service].pid)
                _control("--instr=on", pid)
                result, sent = await runner.load(
                    "counted",
                    templates[args.warmup : wanted],
                    cycle=False,
                    max_requests=args.applications,
                )
                _control("--dump", pid)
                _control("--instr=off", pid)
            finally:
                await runner.close()
    dumps = sorted(out.glob("callgrind.*.1"))
    if len(dumps) != 1:
        raise RuntimeError(f"expected one dump in {out}, found {[d.name for d in dumps]}")
    return total_instructions(dumps[0]), sent, sum(result.errors.values())


def main(argv: list[str]) -> int:
    args = parse(argv)
    missing = [tool for tool in ("valgrind", "callgrind_control") if not shutil.which(tool)]
    if missing:
        print(f"needs {', '.join(missing)}: apt-get install -y valgrind", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="elig-instructions-") as tmp:
        instructions, sent, errors = asyncio.run(measure(args, Path(tmp)))
    print(
        f"{args.service} on {args.database}: {instructions / sent / 1e6:.2f} M instructions "
        f"per new application ({sent} counted after {args.warmup} not counted, "
        f"{args.clients} clients, {errors} errors)"
    )
    return 1 if errors or not sent else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
