"""python -m services.hhs.bench [--seconds 3]: households determined per second by the HHS
rules alone, in process (no gRPC, no database). Prints a figure; asserts nothing."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import typer

from services.hhs.benchmarks import shipped_table
from services.hhs.facts import (
    Citizenship,
    FilingStatus,
    HouseholdFacts,
    Member,
    Relation,
    Relationship,
    TaxUnit,
)
from services.hhs.rules import determine, load_parameters
from shared.magi import IncomeParts

PLACES = [
    ("TX", "Harris"),
    ("FL", "Miami-Dade"),
    ("CA", "San Diego"),
    ("PA", "Philadelphia"),
    ("AK", "Anchorage"),
    ("HI", "Honolulu"),
    ("WI", "Milwaukee"),
    ("GA", "Fulton"),
]


def sample_households(count: int, seed: int = 7) -> list[HouseholdFacts]:
    """A fixed mix: single adults, couples, parents with children, over plan years 2025-2027."""
    rng = random.Random(seed)
    households = []
    for _ in range(count):
        state, county = rng.choice(PLACES)
        adults = rng.choice((1, 1, 2, 2))
        children = rng.choice((0, 0, 1, 2, 3))
        members = [
            Member(
                f"a{i}",
                rng.randint(19, 63),
                incomes=IncomeParts(wages_cents=rng.randint(0, 9_000_000)),
                citizenship=rng.choice(
                    (Citizenship.CITIZEN,) * 5 + (Citizenship.LAWFULLY_PRESENT,)
                ),
            )
            for i in range(adults)
        ] + [Member(f"c{i}", rng.randint(0, 18), pregnant=False) for i in range(children)]
        relationships = tuple(
            Relationship(f"c{c}", f"a{a}", Relation.CHILD)
            for c in range(children)
            for a in range(adults)
        ) + ((Relationship("a0", "a1", Relation.SPOUSE),) if adults == 2 else ())
        status = (
            FilingStatus.MARRIED_FILING_JOINTLY
            if adults == 2
            else FilingStatus.HEAD_OF_HOUSEHOLD
            if children
            else FilingStatus.SINGLE
        )
        unit = TaxUnit(
            "t1",
            status,
            tuple(f"a{i}" for i in range(adults)),
            tuple(f"c{i}" for i in range(children)),
        )
        households.append(
            HouseholdFacts(
                rng.choice((2025, 2026, 2027)),
                state,
                county,
                tuple(members),
                relationships,
                (unit,),
            )
        )
    return households


@dataclass(frozen=True)
class BenchResult:
    households: int
    seconds: float
    # This process's CPU time: on a busy machine wall time says more about the neighbours.
    cpu_seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.households / self.seconds

    @property
    def per_cpu_second(self) -> float:
        return self.households / self.cpu_seconds if self.cpu_seconds > 0 else 0.0


def run(seconds: float = 3.0) -> BenchResult:
    params = load_parameters()
    benchmarks = shipped_table()
    pool = sample_households(500)
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for facts in pool:
            determine(facts, params, benchmarks)
        done += len(pool)
    return BenchResult(done, time.perf_counter() - start, time.process_time() - cpu)


def main(seconds: float = typer.Option(3.0, help="how long to run")) -> None:
    result = run(seconds)
    typer.echo(
        f"hhs rules in process: {result.per_second:,.0f} households/s, "
        f"{result.per_cpu_second:,.0f} per CPU-second "
        f"({result.households} households in {result.seconds:.1f} s)"
    )


if __name__ == "__main__":
    typer.run(main)
