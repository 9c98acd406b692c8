"""Load one plan year's county benchmarks from a published plan file into HHS's database.

Counties the file names but HHS's map lacks are refused whole (a typo'd FIPS code must not
load quietly); a county whose rating area the file leaves out takes the mapped one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from services.hhs.plan_file import county_benchmarks, read_plans
from services.hhs.repository import county_places, replace_county_premiums
from services.hhs.rules import load_parameters
from services.hhs.seed import seed_if_empty
from shared.db import Database


@dataclass(frozen=True)
class Loaded:
    plan_year: int
    counties: int
    silver_plans: int


def load_benchmarks(db: Database, path: Path, plan_year: int, source: str) -> Loaded:
    seed_if_empty(db)
    plans = read_plans(path)
    if not plans:
        raise ValueError(f"{path.name}: no silver plans in the file")
    rows = county_benchmarks(plans, plan_year, load_parameters(), source)
    with db.session() as session:
        places = {p.county_fips: p for p in county_places(session)}
        unknown = sorted(r.county_fips for r in rows if r.county_fips not in places)
        if unknown:
            raise ValueError(f"{path.name}: counties not in HHS's map: {', '.join(unknown)}")
        for i, row in enumerate(rows):
            place = places[row.county_fips]
            if row.state_code != place.state_code:
                raise ValueError(
                    f"{path.name}: county {row.county_fips} is in {place.state_code}, "
                    f"not {row.state_code}"
                )
            if not row.rating_area:
                rows[i] = replace(row, rating_area=place.rating_area)
        replace_county_premiums(session, plan_year, rows)
    return Loaded(plan_year, len(rows), len({(p.county_fips, p.plan_id) for p in plans}))
