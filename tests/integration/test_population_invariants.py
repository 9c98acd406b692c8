"""Invariants over generated households, not hand-picked ones: for every household of a
synthetic population (seeded into SSA's and Treasury's records), nothing changed means the
same answers, however the case is asked for again.

- The case as GetCase shows it later is the case SubmitApplication answered with.
- The same household applying again under a new request_id gets the same answers.
- The same people applying again by SSN alone (every other fact reused from the first
  application) get the same answers: a fact that did not come forward would show here as
  a changed benefit (a re-application once computed SNAP with no rent).
"""

from __future__ import annotations

import json

import pytest

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli.sim_cmd import write_population
from services.harness.households import request_from_dict
from services.harness.population import load
from services.ssa.repository import upsert_people
from services.ssa.seed import people_from_population
from services.treasury.repository import upsert_returns
from services.treasury.seed import returns_from_population
from tests.integration.applications import answers, same_people_bare

HOUSEHOLDS = 16


@pytest.mark.parametrize("seed", [11, 29])
async def test_nothing_changed_gives_the_same_answers_for_every_household(
    coordination, clock, tmp_path, seed
) -> None:  # type: ignore[no-untyped-def]
    records, applications, _ = write_population(
        tmp_path, HOUSEHOLDS, seed, clock.now().date(), 2027
    )
    data = load(records)
    with coordination.databases["ssa"].session() as session:
        upsert_people(session, people_from_population(data))
    with coordination.databases["treasury"].session() as session:
        upsert_returns(session, returns_from_population(data))
    orchestrator = coordination.orchestrator

    lines = applications.read_text().splitlines()
    assert len(lines) == HOUSEHOLDS
    for index, line in enumerate(lines):
        request = request_from_dict(json.loads(line), f"inv-{seed}-{index}")
        first = (await orchestrator.SubmitApplication(request)).case
        expected = answers(first)
        assert expected, index  # every household gets some answer to compare

        shown = (await orchestrator.GetCase(pb.GetCaseRequest(case_id=first.case_id))).case
        assert answers(shown) == expected, ("shown", index)

        request.request_id = f"inv-{seed}-{index}-again"
        again = (await orchestrator.SubmitApplication(request)).case
        assert again.case_id != first.case_id
        assert answers(again) == expected, ("again", index)

        bare = same_people_bare(request, f"inv-{seed}-{index}-bare")
        reused = (await orchestrator.SubmitApplication(bare)).case
        assert answers(reused) == expected, ("by SSN alone", index)
        assert reused.household.expenses == first.household.expenses, index
