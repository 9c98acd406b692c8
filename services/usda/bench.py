"""In-process SNAP rules throughput: households determined per second, no gRPC.

python -m services.usda.bench [seconds]; `rules_throughput()` is for `make bench`.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time

from services.usda.rules import Expenses, Member, SnapFacts, determine, load_parameters
from shared.validation import STATE_CODES

_STATES = sorted(STATE_CODES - {"AK", "HI"})


def sample_households(count: int, seed: int = 7) -> list[SnapFacts]:
    """Synthetic households across states, sizes, incomes and FY2025 to FY2027."""
    rng = random.Random(seed)
    months = [dt.date(2025, 3, 1), dt.date(2026, 1, 1), dt.date(2026, 11, 1)]
    households = []
    for i in range(count):
        size = rng.randint(1, 6)
        members = tuple(
            Member(
                f"h{i}p{j}",
                rng.choice([3, 9, 15, 34, 41, 67, 75]),
                rng.random() < 0.1,
                rng.choice([0, 0, 90_000, 180_000, 320_000]),
                rng.choice([0, 0, 0, 45_000, 120_000]),
            )
            for j in range(size)
        )
        expenses = Expenses(
            shelter_cents=rng.randint(0, 200_000),
            pays_heating_or_cooling=rng.random() < 0.6,
            dependent_care_cents=rng.choice([0, 0, 30_000]),
            medical_cents=rng.choice([0, 0, 15_000]),
        )
        households.append(SnapFacts(rng.choice(months), rng.choice(_STATES), members, expenses))
    return households


def rules_throughput(seconds: float = 2.0) -> float:
    params = load_parameters()
    households = sample_households(5_000)
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for facts in households:
            determine(facts, params)
        done += len(households)
    return done / (time.perf_counter() - started)


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    print(f"SNAP rules, in process: {rules_throughput(seconds):,.0f} households/s")
