"""Next year's benchmarks from the plan file agencies publish: CMS's QHP Landscape file
(HealthCare.gov "landscape", Individual Market Medical), one row per plan and county.

Columns read (others are ignored), named as in the published file:
  State Code, FIPS County Code, County Name, Metal Level, Plan ID (Standard Component),
  Premium Adult Individual Age 40 (required); Rating Area ("Rating Area 10"),
  Premium Child Age 0-14 and Premium Adult Individual Age 21 (optional).
Premiums may carry "$" and thousands separators.

Per county the benchmark is the second-lowest-cost silver plan (26 U.S.C. 36B(b)(3)(B);
26 CFR 1.36B-3(f)), or the only one when a single silver plan is offered. Plans are ranked
at age 40 (every plan in a state shares its age curve, so the order is the same at any age);
the figure kept is normalised to the age the shipped figures use (0; 21 in NY and VT, rated
per adult): the file's own column for that age where given, else the age-40 premium rated
back with the state's curve.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from services.hhs.age_rating import age_factor
from services.hhs.applicable_percentage import round_half_up
from services.hhs.benchmarks import AreaPremium, dollars_to_cents
from shared.parameters import ParameterSet

STATE, FIPS, COUNTY, METAL, PLAN = (
    "State Code",
    "FIPS County Code",
    "County Name",
    "Metal Level",
    "Plan ID (Standard Component)",
)
AGE_40, AGE_0, AGE_21, AREA = (
    "Premium Adult Individual Age 40",
    "Premium Child Age 0-14",
    "Premium Adult Individual Age 21",
    "Rating Area",
)
REQUIRED = (STATE, FIPS, COUNTY, METAL, PLAN, AGE_40)
# States whose published benchmark is the adult rate (no age rating below 21).
ADULT_BASIS_STATES = frozenset({"NY", "VT"})


@dataclass(frozen=True)
class PlanRow:
    state_code: str
    county_fips: str
    county: str
    plan_id: str
    rating_area: str
    # Cents per month; None where the file leaves the column out or blank.
    premiums: dict[int, int | None]


def _money(text: str, where: str) -> int | None:
    cleaned = text.replace("$", "").replace(",", "").strip()
    if not cleaned:
        return None
    try:
        return dollars_to_cents(cleaned)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def read_plans(path: Path) -> list[PlanRow]:
    """The silver plans of the file; anything malformed is refused with its row number."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(missing)}")
        plans = []
        for line, row in enumerate(reader, start=2):
            if (row.get(METAL) or "").strip().casefold() != "silver":
                continue
            where = f"{path.name} line {line}"
            fips = (row[FIPS] or "").strip().zfill(5)
            if not re.fullmatch(r"\d{5}", fips):
                raise ValueError(f"{where}: {FIPS} {row[FIPS]!r} is not a county FIPS code")
            premiums = {
                age: _money(row.get(column) or "", f"{where}, {column}")
                for age, column in ((40, AGE_40), (0, AGE_0), (21, AGE_21))
            }
            if not premiums[40]:
                raise ValueError(f"{where}: a silver plan needs a premium at age 40")
            area = re.sub(r"\D", "", row.get(AREA) or "")
            plans.append(
                PlanRow(
                    row[STATE].strip().upper(),
                    fips,
                    row[COUNTY].strip(),
                    row[PLAN].strip(),
                    area,
                    premiums,
                )
            )
    return plans


def county_benchmarks(
    plans: list[PlanRow], plan_year: int, params: ParameterSet, source: str
) -> list[AreaPremium]:
    """The second-lowest-cost silver premium of every county in ``plans``."""
    by_county: dict[str, dict[str, PlanRow]] = defaultdict(dict)
    for plan in plans:
        # A plan listed twice for a county counts once.
        by_county[plan.county_fips].setdefault(plan.plan_id, plan)
    out = []
    for fips, offered in sorted(by_county.items()):
        ranked = sorted(offered.values(), key=lambda p: (p.premiums[40], p.plan_id))
        chosen = ranked[1] if len(ranked) > 1 else ranked[0]
        state = chosen.state_code
        basis = 21 if state in ADULT_BASIS_STATES else 0
        given = chosen.premiums.get(basis)
        if given is None:
            ratio = age_factor(params, plan_year, basis, state) / age_factor(
                params, plan_year, 40, state
            )
            given = int(round_half_up(chosen.premiums[40] * ratio))  # type: ignore[operator]
        out.append(
            AreaPremium(
                plan_year=plan_year,
                state_code=state,
                rating_area=chosen.rating_area,
                monthly_premium_cents=given,
                age_basis=basis,
                reference=(
                    f"{source}: second-lowest-cost silver plan {chosen.plan_id} of "
                    f"{len(ranked)} silver plan(s) in {chosen.county}, {state} ({fips}), plan "
                    f"year {plan_year}; 26 CFR 1.36B-3(f)"
                ),
                county_fips=fips,
            )
        )
    return out
