"""A synthetic population, the same for the same seed: households to apply with, and the
records the agencies hold about their people (SSA's identities, Treasury's returns),
written so that the two agree the way real records mostly do.

Everything here is invented. SSNs come from areas 700-899 (issued by SSA only for the
old railroad series, long closed), so none can be a living person's and none collides
with the hand-written population in population.yaml (areas 1xx-5xx). The shapes follow
public distributions loosely (most households are one or two adults; some have children;
a few are elderly), which is enough to drive every program's rules; they are not a
statistical model of any state.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

GIVEN = [
    "Amara",
    "Ben",
    "Carmen",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jamal",
    "Keiko",
    "Luis",
    "Mei",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Samir",
    "Tala",
    "Uma",
    "Victor",
    "Wren",
    "Ximena",
    "Yusuf",
    "Zoe",
]
FAMILY = [
    "Abbott",
    "Baptiste",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fofana",
    "Gallagher",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowal",
    "Lindqvist",
    "Mensah",
    "Nakamura",
    "Oyelaran",
    "Petrov",
    "Quispe",
    "Rahman",
    "Sandoval",
    "Tanaka",
    "Usman",
    "Varga",
    "Whitfield",
    "Xu",
    "Yilmaz",
    "Zapata",
]
# (state, county, city, ZIP): places every program's figures cover.
PLACES = (
    ("TX", "Harris", "Houston", "77002"),
    ("CA", "San Diego", "San Diego", "92101"),
    ("GA", "Fulton", "Atlanta", "30303"),
    ("PA", "Philadelphia", "Philadelphia", "19103"),
    ("WI", "Milwaukee", "Milwaukee", "53202"),
    ("FL", "Miami-Dade", "Miami", "33130"),
)
SHAPES = (  # (weight, adults, children, elderly)
    (34, 1, 0, False),
    (20, 2, 0, False),
    (14, 1, 2, False),
    (22, 2, 2, False),
    (10, 1, 0, True),
)
# Share of filers whose return Treasury holds, and of those, whose income drifted since.
FILED = 0.9
DRIFTED = 0.1


@dataclass
class Population:
    """The agencies' records (in population.yaml's shape) and the households' applications
    (in the household YAML shape that services.harness.households reads)."""

    people: list[dict[str, Any]] = field(default_factory=list)
    tax_returns: list[dict[str, Any]] = field(default_factory=list)
    households: list[dict[str, Any]] = field(default_factory=list)

    def records(self) -> dict[str, Any]:
        return {"people": self.people, "tax_returns": self.tax_returns}


def generate(households: int, seed: int, *, today: dt.date, plan_year: int) -> Population:
    """``households`` households; the same ``seed`` gives the same people, byte for byte."""
    if households < 0:
        raise ValueError("households cannot be negative")
    rng = random.Random(seed)
    ssns = _ssns(rng)
    out = Population()
    for index in range(households):
        _household(out, rng, ssns, index, today, plan_year)
    return out


def _ssns(rng: random.Random) -> Iterator[str]:
    seen: set[str] = set()
    while True:
        ssn = f"{rng.randint(700, 899):03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        if ssn not in seen:
            seen.add(ssn)
            yield ssn


def _birth(rng: random.Random, today: dt.date, low: int, high: int) -> dt.date:
    age_days = rng.randint(low * 365 + 1, high * 365 + 300)
    return today - dt.timedelta(days=age_days)


def _household(
    out: Population,
    rng: random.Random,
    ssns: Iterator[str],
    index: int,
    today: dt.date,
    plan_year: int,
) -> None:
    _, adults, children, elderly = rng.choices(SHAPES, weights=[s[0] for s in SHAPES])[0]
    family = rng.choice(FAMILY)
    state, county, city, zip_code = rng.choice(PLACES)
    members: list[dict[str, Any]] = []
    for a in range(adults):
        born = _birth(rng, today, 67, 85) if elderly else _birth(rng, today, 20, 60)
        wages = 0 if elderly else rng.choice((0, 1, 1, 1)) * rng.randint(8_000, 90_000)
        incomes = [{"kind": "wages", "annual": f"{wages}.00"}] if wages else []
        if elderly:
            incomes.append({"kind": "social_security", "annual": f"{rng.randint(9, 24)}000.00"})
        members.append(_person(out, next(ssns), f"a{a}", family, born, incomes, rng))
    for c in range(children):
        members.append(
            _person(out, next(ssns), f"c{c}", family, _birth(rng, today, 0, 16), [], rng)
        )
    adult_ids = [m["id"] for m in members[:adults]]
    child_ids = [m["id"] for m in members[adults:]]
    relationships = [{"person": c, "related": adult_ids[0], "kind": "child"} for c in child_ids]
    if adults == 2:
        relationships.append({"person": "a1", "related": "a0", "kind": "spouse"})
    status = (
        "married_filing_jointly" if adults == 2 else ("head_of_household" if children else "single")
    )
    out.households.append(
        {
            "id": f"h{index}",
            "programs": ["medicaid", "chip", "marketplace", "snap"]
            if children
            else ["medicaid", "marketplace", "snap"],
            "plan_year": plan_year,
            "address": {
                "line1": f"{rng.randint(10, 9999)} Synthetic Ave",
                "city": city,
                "state": state,
                "county": county,
                "zip": zip_code,
            },
            "members": members,
            "relationships": relationships,
            "tax_units": [
                {"id": "t0", "filing_status": status, "filers": adult_ids, "dependents": child_ids}
            ],
            "expenses": {
                "monthly_shelter": f"{rng.randint(6, 22) * 100}.00",
                "pays_heating_or_cooling": rng.random() < 0.5,
            },
            "consents": [
                {"person": a, "agencies": ["treasury"], "facts": ["income"]} for a in adult_ids
            ],
        }
    )
    _returns(out, rng, members[:adults], status, len(child_ids), today)


def _person(
    out: Population,
    ssn: str,
    person_id: str,
    family: str,
    born: dt.date,
    incomes: list[dict[str, str]],
    rng: random.Random,
) -> dict[str, Any]:
    given = rng.choice(GIVEN)
    out.people.append(
        {"ssn": ssn, "given": given, "family": family, "birth_date": born, "citizenship": "citizen"}
    )
    return {
        "id": person_id,
        "ssn": ssn,
        "name": {"given": given, "family": family},
        "birth_date": born.isoformat(),
        "citizenship": "citizen",
        "incomes": incomes,
    }


def _returns(
    out: Population,
    rng: random.Random,
    filers: list[dict[str, Any]],
    status: str,
    dependents: int,
    today: dt.date,
) -> None:
    """Returns for the last two tax years, as a household that files would have them."""
    if rng.random() >= FILED:
        return
    attested = sum(float(i["annual"]) for f in filers for i in f["incomes"] if i["kind"] == "wages")
    for years_ago in (2, 1):
        agi = attested * (1 - 0.03 * years_ago)
        if years_ago == 1 and rng.random() < DRIFTED:
            agi *= rng.choice((0.6, 1.5))  # a raise or a lost job since the return
        out.tax_returns.append(
            {
                "tax_year": today.year - years_ago,
                "filing_status": status.upper(),
                "primary_ssn": filers[0]["ssn"],
                "spouse_ssn": filers[1]["ssn"] if len(filers) > 1 else None,
                "dependents": dependents,
                "agi": f"{agi:.2f}",
            }
        )
