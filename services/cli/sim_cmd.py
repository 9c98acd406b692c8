"""`elig sim population`: a synthetic population, the same for the same seed, written into
the agencies' records (SSA's people, Treasury's returns) and beside them the households'
applications, one JSON line each, for the bench and for simulations to submit.

The records go in through each agency's own seed command, so the population lands where
that agency's settings say (`ELIG_DATA_DIR`, or `ELIG_<SERVICE>_DATABASE_URL`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import typer
from rich.console import Console

from services.cli.client import Session
from services.harness.synthetic import generate

app = typer.Typer(
    no_args_is_help=True, help="Synthetic people and households for simulations and benchmarks."
)
console = Console(stderr=True)
SEEDED = ("ssa", "treasury")


def population_files(data_dir: Path, households: int, seed: int) -> tuple[Path, Path]:
    folder = Path(data_dir) / "sim"
    stem = f"{seed}-{households}"
    return folder / f"records-{stem}.json", folder / f"households-{stem}.jsonl"


def write_population(
    data_dir: Path, households: int, seed: int, today: dt.date, plan_year: int
) -> tuple[Path, Path, int]:
    """Generate and write both files; returns their paths and the number of people."""
    population = generate(households, seed, today=today, plan_year=plan_year)
    records, applications = population_files(data_dir, households, seed)
    records.parent.mkdir(parents=True, exist_ok=True)
    records.write_text(json.dumps(population.records(), default=str), encoding="utf-8")
    with applications.open("w", encoding="utf-8") as handle:
        for household in population.households:
            handle.write(json.dumps(household) + "\n")
    return records, applications, len(population.people)


def seed_agencies(records: Path, data_dir: Path) -> None:
    env = {**os.environ, "ELIG_DATA_DIR": str(data_dir)}
    for service in SEEDED:
        result = subprocess.run(
            [sys.executable, "-m", f"services.{service}.seed", "--file", str(records)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            console.print(f"[red]seeding {service} failed[/red]:\n{result.stderr[-2000:]}")
            raise typer.Exit(1)
        console.print(f"  {result.stdout.strip()}")


@app.command()
def population(
    households: int = typer.Option(1000, min=1, max=100_000, help="how many households"),
    seed: int = typer.Option(1, help="the same seed gives the same people"),
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        help="the stack's data folder (default: elig's own --data-dir, i.e. ELIG_DATA_DIR or data)",
    ),
    plan_year: int = typer.Option(0, help="the plan year the applications ask for (0: next year)"),
) -> None:
    """Write a synthetic population into SSA's and Treasury's records, and its applications."""
    data_dir = data_dir or Session.data_dir
    today = dt.date.today()
    started = time.perf_counter()
    with console.status(f"generating {households} households (seed {seed}) ..."):
        records, applications, people = write_population(
            data_dir, households, seed, today, plan_year or today.year + 1
        )
    console.print(f"generated {households} households, {people} people")
    with console.status("writing them into the agencies' records ..."):
        seed_agencies(records, data_dir)
    console.print(f"applications: {applications}")
    console.print(f"done in {time.perf_counter() - started:.1f} s")
