"""A synthetic population written into SSA's and Treasury's records is answered like real
households: every identity verifies, every application is decided or conditional, none
refused."""

from __future__ import annotations

import json
from collections import Counter

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli.sim_cmd import write_population
from services.harness.households import request_from_dict
from services.harness.population import load
from services.ssa.repository import upsert_people
from services.ssa.seed import people_from_population
from services.treasury.repository import upsert_returns
from services.treasury.seed import returns_from_population


async def test_synthetic_households_are_verified_and_answered(
    coordination, clock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    records, applications, _ = write_population(tmp_path, 12, 5, clock.now().date(), 2027)
    data = load(records)
    with coordination.databases["ssa"].session() as session:
        upsert_people(session, people_from_population(data))
    with coordination.databases["treasury"].session() as session:
        upsert_returns(session, returns_from_population(data))

    statuses: Counter[str] = Counter()
    for index, line in enumerate(applications.read_text().splitlines()):
        request = request_from_dict(json.loads(line), f"synthetic-{index}")
        case = (await coordination.orchestrator.SubmitApplication(request)).case
        statuses[pb.CaseStatus.Name(case.status)] += 1
        identity_issues = [i for i in case.data_matching_issues if "identity" in i.fact]
        assert identity_issues == [], (index, identity_issues)
    assert sum(statuses.values()) == 12
    assert set(statuses) <= {"CASE_STATUS_DETERMINED", "CASE_STATUS_PENDING_VERIFICATION"}

    # The check above can fail: a household whose birth date disagrees with SSA's is flagged.
    stranger = json.loads(applications.read_text().splitlines()[0])
    stranger["members"][0]["birth_date"] = "1950-01-01"
    case = (
        await coordination.orchestrator.SubmitApplication(request_from_dict(stranger, "off"))
    ).case
    assert any("identity" in i.fact for i in case.data_matching_issues)
