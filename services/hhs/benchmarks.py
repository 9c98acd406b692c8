"""Benchmark (second-lowest-cost silver) premiums by plan year and county.

The published figure is for one person of ``age_basis``; rules age-rate it per member. The
data file is services/hhs/data/benchmark_premiums.yaml; the service keeps the rows in its own
database, and in-process callers (tests, the bench) can use a ``BenchmarkTable`` directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

import yaml

DATA_FILE = Path(__file__).parent / "data" / "benchmark_premiums.yaml"
_SUFFIX = re.compile(r"\s+(county|parish|borough|census area|municipality)$")


def county_key(county: str) -> str:
    """Compare county names ignoring case, punctuation and a trailing "County"."""
    words = re.sub(r"[^a-z0-9]+", " ", county.casefold()).strip()
    return _SUFFIX.sub("", words)


@dataclass(frozen=True)
class Benchmark:
    plan_year: int
    state_code: str
    county: str
    monthly_premium_cents: int
    age_basis: int
    reference: str


class BenchmarkSource(Protocol):
    def find(self, plan_year: int, state_code: str, county: str) -> Benchmark | None: ...


class BenchmarkTable:
    """Benchmarks held in memory, looked up by plan year, state and county."""

    def __init__(self, rows: Iterable[Benchmark]) -> None:
        self._rows = {(b.plan_year, b.state_code, county_key(b.county)): b for b in rows}

    def find(self, plan_year: int, state_code: str, county: str) -> Benchmark | None:
        return self._rows.get((plan_year, state_code, county_key(county)))

    def __len__(self) -> int:
        return len(self._rows)


def dollars_to_cents(text: object) -> int:
    try:
        amount = Decimal(str(text))
    except InvalidOperation as error:
        raise ValueError(f"{text!r} is not an amount of money") from error
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{text!r} must be a non-negative amount in dollars and cents")
    return int(amount * 100)


def parse(document: dict) -> list[Benchmark]:  # type: ignore[type-arg]
    age_basis = int(document["age_basis"])
    rows = []
    for i, item in enumerate(document.get("premiums") or []):
        reference = str(item.get("reference") or "").strip()
        if not reference:
            raise ValueError(f"premiums[{i}] has no reference")
        rows.append(
            Benchmark(
                plan_year=int(item["plan_year"]),
                state_code=str(item["state"]).upper(),
                county=str(item["county"]),
                monthly_premium_cents=dollars_to_cents(item["monthly_premium"]),
                age_basis=age_basis,
                reference=reference,
            )
        )
    return rows


def load_file(path: Path = DATA_FILE) -> list[Benchmark]:
    with open(path, encoding="utf-8") as handle:
        return parse(yaml.safe_load(handle) or {})
