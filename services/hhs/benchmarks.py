"""Benchmark (second-lowest-cost silver) premiums: which rating area a county is in, and the
premium HHS holds for it in a plan year.

Premiums are published per rating area (45 CFR 147.102(b)) and quoted for one person of
``age_basis``; rules age-rate them per member with the state's curve. A county-level figure
(loaded from an exchange's plan file by ``elig data load-benchmarks``) wins over the rating
area's representative one. The shipped figures are services/hhs/data/*.csv; the service keeps
them in its own database, and in-process callers (tests, the bench) use the tables here.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

from services.hhs.records import record

DATA_DIR = Path(__file__).parent / "data"
PREMIUMS_FILE = DATA_DIR / "benchmark_premiums.csv"
COUNTIES_FILE = DATA_DIR / "county_rating_areas.csv"
_SUFFIX = re.compile(r"\s+(county|parish|borough|census area|municipality|city and borough)$")


# Asked for every Marketplace answer, of a few thousand county names: each folded once.
@functools.lru_cache(maxsize=16384)
def county_key(county: str) -> str:
    """Compare county names ignoring case, punctuation and a trailing "County"."""
    words = re.sub(r"[^a-z0-9]+", " ", county.casefold()).strip()
    return _SUFFIX.sub("", words)


@record
class Benchmark:
    plan_year: int
    state_code: str
    county: str
    monthly_premium_cents: int
    age_basis: int
    reference: str
    rating_area: str = ""
    # Set when the rating area follows ZIP codes and was taken from the county instead.
    approximation: str = ""


@record
class CountyArea:
    county_fips: str
    state_code: str
    county: str
    rating_area: str
    zip_based: bool


@record
class AreaPremium:
    plan_year: int
    state_code: str
    rating_area: str
    monthly_premium_cents: int
    age_basis: int
    reference: str
    # Empty for the rating area's figure; a county FIPS code for a county's own.
    county_fips: str = ""


class BenchmarkSource(Protocol):
    def find(self, plan_year: int, state_code: str, county: str) -> Benchmark | None: ...


def approximation_note(place: CountyArea) -> str:
    if not place.zip_based:
        return ""
    return (
        f"{place.state_code} rates {place.county} by ZIP code; rating area {place.rating_area} "
        "was taken from the county (a county-level approximation: no ZIP map is held)"
    )


def pick(
    plan_year: int, place: CountyArea, premiums: Iterable[AreaPremium], county: str
) -> Benchmark | None:
    """The county's own figure if held, else its rating area's."""
    best: AreaPremium | None = None
    for p in premiums:
        if p.plan_year != plan_year or p.state_code != place.state_code:
            continue
        if p.county_fips == place.county_fips:
            best = p
            break
        if not p.county_fips and p.rating_area == place.rating_area:
            best = p
    return _benchmark(plan_year, place, best, county)


def _benchmark(
    plan_year: int, place: CountyArea, best: AreaPremium | None, county: str
) -> Benchmark | None:
    if best is None:
        return None
    return Benchmark(
        plan_year=plan_year,
        state_code=place.state_code,
        county=county,
        monthly_premium_cents=best.monthly_premium_cents,
        age_basis=best.age_basis,
        reference=best.reference,
        rating_area=place.rating_area,
        approximation=approximation_note(place),
    )


class BenchmarkTable:
    """Benchmarks held in memory by plan year, state and county (tests, worked examples)."""

    def __init__(self, rows: Iterable[Benchmark]) -> None:
        self._rows = {(b.plan_year, b.state_code, county_key(b.county)): b for b in rows}

    def find(self, plan_year: int, state_code: str, county: str) -> Benchmark | None:
        return self._rows.get((plan_year, state_code, county_key(county)))

    def __len__(self) -> int:
        return len(self._rows)


class AreaTable:
    """The shipped figures in memory: county -> rating area -> premium (the bench, tests)."""

    def __init__(self, counties: Iterable[CountyArea], premiums: Iterable[AreaPremium]) -> None:
        self._places = {(c.state_code, county_key(c.county)): c for c in counties}
        # Indexed the way ``pick`` chooses: a county's own figure, else the first of its
        # rating area's, so a lookup need not walk a state's whole list.
        self._by_county: dict[tuple[int, str, str], AreaPremium] = {}
        self._by_area: dict[tuple[int, str, str], AreaPremium] = {}
        for p in premiums:
            if p.county_fips:
                self._by_county.setdefault((p.plan_year, p.state_code, p.county_fips), p)
            else:
                # pick keeps the last of several figures for one area: so does this.
                self._by_area[(p.plan_year, p.state_code, p.rating_area)] = p

    def place(self, state_code: str, county: str) -> CountyArea | None:
        return self._places.get((state_code, county_key(county)))

    def find(self, plan_year: int, state_code: str, county: str) -> Benchmark | None:
        place = self.place(state_code, county)
        if place is None:
            return None
        best = self._by_county.get((plan_year, state_code, place.county_fips))
        if best is None:
            best = self._by_area.get((plan_year, state_code, place.rating_area))
        return _benchmark(plan_year, place, best, county)


def dollars_to_cents(text: object) -> int:
    try:
        amount = Decimal(str(text).strip())
    except InvalidOperation as error:
        raise ValueError(f"{text!r} is not an amount of money") from error
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{text!r} must be a non-negative amount in dollars and cents")
    return int(amount * 100)


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def load_premiums(path: Path = PREMIUMS_FILE) -> list[AreaPremium]:
    rows = []
    for i, item in enumerate(_csv_rows(path)):
        reference = (item.get("reference") or "").strip()
        if not reference:
            raise ValueError(f"{path.name} row {i + 1} has no reference")
        rows.append(
            AreaPremium(
                plan_year=int(item["plan_year"]),
                state_code=item["state"].strip().upper(),
                rating_area=item["rating_area"].strip(),
                monthly_premium_cents=dollars_to_cents(item["monthly_premium"]),
                age_basis=int(item["age_basis"]),
                reference=reference,
            )
        )
    return rows


def load_counties(path: Path = COUNTIES_FILE) -> list[CountyArea]:
    return [
        CountyArea(
            county_fips=item["county_fips"].strip(),
            state_code=item["state"].strip().upper(),
            county=item["county"].strip(),
            rating_area=item["rating_area"].strip(),
            zip_based=item["zip_based"].strip() == "1",
        )
        for item in _csv_rows(path)
    ]


def shipped_table() -> AreaTable:
    return AreaTable(load_counties(), load_premiums())
