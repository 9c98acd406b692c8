"""The synthetic population: the same seed gives the same people, every application reads
back as a valid request, and the agencies' records agree with what the households say."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from services.harness.households import request_from_dict
from services.harness.synthetic import generate
from services.orchestrator.domain.intake import validate_application
from shared.errors import FieldViolation
from shared.validation import check_ssn

TODAY = dt.date(2026, 11, 25)


def _dump(seed: int, households: int = 40) -> str:
    population = generate(households, seed, today=TODAY, plan_year=2027)
    return json.dumps([population.records(), population.households], default=str)


def test_the_same_seed_gives_the_same_population_and_another_seed_another() -> None:
    assert _dump(3) == _dump(3)
    assert _dump(3) != _dump(4)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), households=st.integers(1, 60))
def test_every_application_is_valid_and_every_person_is_on_ssas_records(
    seed: int, households: int
) -> None:
    population = generate(households, seed, today=TODAY, plan_year=2027)
    assert len(population.households) == households
    people = {p["ssn"]: p for p in population.people}
    assert len(people) == len(population.people)  # no SSN twice
    for index, household in enumerate(population.households):
        violations: list[FieldViolation] = []
        request = request_from_dict(household, f"r-{index}")
        validate_application(request, TODAY, violations)
        assert violations == [], (household["id"], violations)
        for member in household["members"]:
            check_ssn(member["ssn"], "ssn", violations)
            record = people[member["ssn"]]
            assert (record["given"], record["family"]) == (
                member["name"]["given"],
                member["name"]["family"],
            )
            assert record["birth_date"].isoformat() == member["birth_date"]
        assert violations == []
    filers = {f for h in population.households for f in _filer_ssns(h)}
    assert {r["primary_ssn"] for r in population.tax_returns} <= filers


def _filer_ssns(household: dict) -> list[str]:  # type: ignore[type-arg]
    by_id = {m["id"]: m["ssn"] for m in household["members"]}
    return [by_id[f] for unit in household["tax_units"] for f in unit["filers"]]


def test_no_synthetic_ssn_is_one_of_the_hand_written_populations() -> None:
    from services.harness.population import load

    written = {p["ssn"] for p in load()["people"]}
    generated = {p["ssn"] for p in generate(500, 11, today=TODAY, plan_year=2027).people}
    assert not written & generated
