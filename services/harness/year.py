"""A year of life events for a synthetic population, the same for the same seed.

Month by month each household may have one change (an income change most often; moves,
births, pregnancies, marriages, separations, divorces, deaths and adoptions less so), and
a member whose 19th, 26th or 65th birthday falls in the month reaches that milestone. People
who join a household (a newborn, an adopted child, a spouse) are made here too, so they can
be written into SSA's records with everyone else before the year is replayed.

Events are in the shape scenario files and `elig report` read (services.harness.scenario).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from services.harness.synthetic import FAMILY, GIVEN, PLACES
from shared.dates import add_years

MILESTONES = (19, 26, 65)
# A pregnancy reported now began at most this long ago (ten months, kept on the safe side).
PREGNANCY_DAYS = 290
# Chance that a household reports a change in a month, and the mix of changes.
MONTHLY_CHANCE = 0.1
KINDS = (
    ("income_change", 40),
    ("move", 12),
    ("birth", 8),
    ("pregnancy", 8),
    ("marriage", 6),
    ("separation", 4),
    ("divorce", 4),
    ("death", 3),
    ("adoption", 3),
)


@dataclass(frozen=True)
class Planned:
    household: int
    month: int  # 1..12
    event: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.event["kind"])


def month_start(today: dt.date, month: int) -> dt.date:
    """The first day of the year's ``month`` (1..12); month 12 is the one ``today`` is in."""
    back = 12 - month
    year, index = divmod(today.year * 12 + today.month - 1 - back, 12)
    return dt.date(year, index + 1, 1)


def plan(
    households: list[dict[str, Any]], seed: int, today: dt.date
) -> tuple[list[Planned], list[dict[str, Any]]]:
    """The year's events, in order, and the new people they bring (SSA records). No event
    is dated after ``today``."""
    rng = random.Random(f"year-{seed}")
    taken = {m["ssn"] for h in households for m in h["members"]}
    newcomers: list[dict[str, Any]] = []
    events: list[Planned] = []
    state = [_State.of(h) for h in households]
    for month in range(1, 13):
        start = month_start(today, month)
        for index, household in enumerate(state):
            for event in household.milestones(start, today):
                events.append(Planned(index, month, event))
            if rng.random() >= MONTHLY_CHANCE:
                continue
            day = start + dt.timedelta(days=rng.randint(0, 27))
            when = min(day, today)
            event = household.change(rng, when, today, taken, newcomers)
            if event is not None:
                events.append(Planned(index, month, event))
    return events, newcomers


@dataclass
class _State:
    family: str
    adults: list[str]
    members: dict[str, dt.date]  # person_id -> birth date
    pregnant: set[str]
    joined: int = 0

    @classmethod
    def of(cls, household: dict[str, Any]) -> _State:
        members = {m["id"]: dt.date.fromisoformat(m["birth_date"]) for m in household["members"]}
        adults = list(household["tax_units"][0]["filers"])
        family = household["members"][0]["name"]["family"]
        return cls(family, adults, members, set())

    def milestones(self, start: dt.date, today: dt.date) -> list[dict[str, Any]]:
        out = []
        end = month_end(start)
        for person, born in self.members.items():
            for age in MILESTONES:
                birthday = add_years(born, age)
                if start <= birthday <= min(end, today):
                    out.append(
                        {"kind": "age_milestone", "date": birthday, "person": person, "age": age}
                    )
        return out

    def _newcomer(
        self,
        rng: random.Random,
        born: dt.date,
        taken: set[str],
        newcomers: list[dict[str, Any]],
        family: str | None = None,
    ) -> dict[str, Any]:
        ssn = _ssn(rng, taken)
        given, family = rng.choice(GIVEN), family or self.family
        self.joined += 1
        person = {
            "id": f"n{self.joined}",
            "ssn": ssn,
            "name": {"given": given, "family": family},
            "birth_date": born.isoformat(),
            "citizenship": "citizen",
        }
        newcomers.append(
            {
                "ssn": ssn,
                "given": given,
                "family": family,
                "birth_date": born,
                "citizenship": "citizen",
            }
        )
        self.members[person["id"]] = born
        return person

    def change(
        self,
        rng: random.Random,
        when: dt.date,
        today: dt.date,
        taken: set[str],
        newcomers: list[dict[str, Any]],
    ) -> dict[str, Any] | None:
        kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        if not self.adults:
            return None
        adult = self.adults[0]
        if kind == "income_change":
            who = rng.choice(self.adults)
            wages = rng.choice((0, rng.randint(8, 95) * 1000))
            incomes = [{"kind": "wages", "annual": f"{wages}.00"}] if wages else []
            return {"kind": kind, "date": when, "person": who, "incomes": incomes}
        if kind == "move":
            state, county, city, zip_code = rng.choice(PLACES)
            address = {
                "line1": f"{rng.randint(10, 9999)} Moving Ln",
                "city": city,
                "state": state,
                "county": county,
                "zip": zip_code,
            }
            return {"kind": kind, "date": when, "address": address}
        if kind == "birth":
            child = self._newcomer(rng, when, taken, newcomers)
            return {"kind": kind, "date": when, "person": adult, "new_member": child}
        if kind == "adoption":
            born = when - dt.timedelta(days=rng.randint(365, 12 * 365))
            child = self._newcomer(rng, born, taken, newcomers)
            return {"kind": kind, "date": when, "person": adult, "new_member": child}
        if kind == "pregnancy":
            # Reported within the months a pregnancy lasts, as ReportLifeEvent requires.
            if adult in self.pregnant or (today - when).days > PREGNANCY_DAYS:
                return None
            self.pregnant.add(adult)
            return {"kind": kind, "date": when, "person": adult, "expected_children": 1}
        if kind == "marriage":
            if len(self.adults) != 1:
                return None
            born = when - dt.timedelta(days=rng.randint(22 * 365, 55 * 365))
            spouse = self._newcomer(rng, born, taken, newcomers, rng.choice(FAMILY))
            spouse["incomes"] = [{"kind": "wages", "annual": f"{rng.randint(15, 80) * 1000}.00"}]
            self.adults.append(spouse["id"])
            return {"kind": kind, "date": when, "person": adult, "new_member": spouse}
        if kind in ("separation", "divorce"):
            if len(self.adults) != 2:
                return None
            leaving = self.adults.pop()
            self.members.pop(leaving, None)
            return {"kind": kind, "date": when, "person": adult, "departing": [leaving]}
        # A death: of a second adult where there is one, so the household goes on.
        if len(self.adults) < 2:
            return None
        dead = self.adults.pop()
        self.members.pop(dead, None)
        return {"kind": "death", "date": when, "person": dead}


def month_end(start: dt.date) -> dt.date:
    following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _ssn(rng: random.Random, taken: set[str]) -> str:
    # The synthetic population's areas (700-899): never a living person's.
    while True:
        ssn = f"{rng.randint(700, 899):03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        if ssn not in taken:
            taken.add(ssn)
            return ssn
