"""The orchestrator over real gRPC, calling real agency servers, on SQLite and PostgreSQL."""

from __future__ import annotations

import grpc
import pytest

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import evidence_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from shared.errors import details_of
from tests.integration.applications import example


def _programs(case: pb.Case, person_id: str) -> dict[int, det.ProgramDetermination]:
    (person,) = [d for d in case.determinations if d.person_id == person_id]
    return {p.program: p for p in person.programs}


async def test_a_household_gets_one_combined_determination(coordination) -> None:  # type: ignore[no-untyped-def]
    reply = await coordination.orchestrator.SubmitApplication(example("rivera", "rivera-1"))
    case = reply.case
    assert case.case_id and case.plan_year == 2027
    assert {d.person_id for d in case.determinations} == {"maria", "jose", "sofia", "mateo"}
    for person in case.determinations:
        programs = {p.program for p in person.programs}
        assert programs == {det.PROGRAM_MEDICAID, det.PROGRAM_CHIP, det.PROGRAM_MARKETPLACE}
        for program in person.programs:
            assert program.status != det.DETERMINATION_STATUS_UNSPECIFIED
            assert program.reasons, "every answer carries its reasons"
    (snap,) = case.household_determinations
    assert snap.program == det.PROGRAM_SNAP and snap.reasons
    # Identity and income were verified and kept with their provenance.
    verified = {
        (e.person_id, e.fact)
        for e in case.evidence
        if e.status == evidence_pb2.EVIDENCE_STATUS_VERIFIED
    }
    assert ("maria", "identity.ssn_match") in verified
    assert ("maria", "income.tax_return_magi") in verified
    assert all(e.provenance.source and e.provenance.obtained_at.seconds for e in case.evidence)
    # The children are Medicaid or CHIP eligible in Texas at about 130% of poverty.
    for child in ("sofia", "mateo"):
        programs = _programs(case, child)
        assert det.DETERMINATION_STATUS_ELIGIBLE in (
            programs[det.PROGRAM_MEDICAID].status,
            programs[det.PROGRAM_CHIP].status,
        )
    # Stored and returned whole, with SSNs masked.
    again = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    assert again.determinations == case.determinations
    assert [m.ssn for m in again.household.members] == [
        "*****8301",
        "*****8302",
        "*****8303",
        "*****8304",
    ]


async def test_the_same_request_id_yields_one_case(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("chen", "chen-once")
    first = (await coordination.orchestrator.SubmitApplication(request)).case
    second = (await coordination.orchestrator.SubmitApplication(request)).case
    assert first.case_id == second.case_id
    listed = await coordination.orchestrator.ListCases(pb.ListCasesRequest())
    assert [c.case_id for c in listed.cases] == [first.case_id]
    # The retry was answered from the stored case: no agency was asked twice.
    assert coordination.recorders["treasury"].calls["VerifyHouseholdIncome"] == 1
    assert coordination.recorders["ssa"].calls["VerifyIdentity"] == 1


async def test_a_request_id_reused_for_another_application_is_refused(coordination) -> None:  # type: ignore[no-untyped-def]
    await coordination.orchestrator.SubmitApplication(example("chen", "shared-id"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await coordination.orchestrator.SubmitApplication(example("okafor", "shared-id"))
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.ALREADY_EXISTS
    assert details.reason == "REQUEST_ID_REUSED"


async def test_a_bad_application_is_refused_whole_and_nothing_is_stored(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("rivera", "bad-1")
    request.household.members[0].incomes[0].annual_amount_cents = -5_000_00
    request.household.members[1].ssn = "41255830"
    del request.household.tax_units[0].dependent_person_ids[1]
    request.household.address.state_code = "ZZ"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await coordination.orchestrator.SubmitApplication(request)
    details = details_of(caught.value)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(v.field for v in details.violations) == [
        "household.address.state_code",
        "household.members[0].incomes[0].annual_amount_cents",
        "household.members[1].ssn",
        "household.members[3]",
    ]
    listed = await coordination.orchestrator.ListCases(pb.ListCasesRequest())
    assert list(listed.cases) == []
    assert sum(sum(r.calls.values()) for r in coordination.recorders.values()) == 0


async def test_treasury_down_leaves_the_case_stored_and_pending(coordination) -> None:  # type: ignore[no-untyped-def]
    await coordination.agencies["treasury"].stop()
    case = (await coordination.orchestrator.SubmitApplication(example("chen", "chen-down"))).case
    assert case.status == pb.CASE_STATUS_PENDING_VERIFICATION
    statuses = {p.status for d in case.determinations for p in d.programs}
    assert statuses == {det.DETERMINATION_STATUS_PENDING_VERIFICATION}
    assert any(i.reason_code == "INCOME_SOURCE_UNAVAILABLE" for i in case.data_matching_issues)
    stored = (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case.case_id))).case
    assert stored.status == pb.CASE_STATUS_PENDING_VERIFICATION


async def test_income_far_below_the_last_return_is_conditional_with_a_due_date(
    coordination,
) -> None:  # type: ignore[no-untyped-def]
    case = (await coordination.orchestrator.SubmitApplication(example("kowalski", "k-1"))).case
    medicaid = _programs(case, "anna")[det.PROGRAM_MEDICAID]
    assert medicaid.status == det.DETERMINATION_STATUS_CONDITIONAL
    (issue,) = [i for i in case.data_matching_issues if i.fact == "income.annual"]
    assert issue.reason_code == "INCOME_INCONSISTENT"
    assert (issue.due_date.year, issue.due_date.month, issue.due_date.day) == (2027, 2, 23)


async def test_an_unverified_identity_is_never_sent_to_treasury(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("okafor", "okafor-typo")
    request.household.members[1].birth_date.day = 20  # not what SSA holds for Chidi
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    # A joint return answers for both spouses, so the unit is asked whole or not at all.
    assert coordination.recorders["treasury"].of("VerifyHouseholdIncome") == []
    codes = {i.reason_code for i in case.data_matching_issues}
    assert {"IDENTITY_NOT_VERIFIED", "INCOME_NOT_CHECKED"} <= codes


async def test_each_agency_receives_only_what_its_purpose_needs(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("rivera", "minimal")
    await coordination.orchestrator.SubmitApplication(request)
    members = request.household.members
    (treasury_request,) = coordination.recorders["treasury"].of("VerifyHouseholdIncome")
    # Treasury: the filers only, no address, no attested income.
    assert [f.person_id for f in treasury_request.filers] == ["maria", "jose"]
    raw = treasury_request.SerializeToString()
    assert request.household.address.line1.encode() not in raw
    assert b"Houston" not in raw
    # HHS and USDA: no SSN, name or birth date of anyone.
    for agency, rpc in (("hhs", "DetermineEligibility"), ("usda", "DetermineSnapEligibility")):
        (sent,) = coordination.recorders[agency].of(rpc)
        raw = sent.SerializeToString()
        for member in members:
            assert member.ssn.encode() not in raw, agency
            assert member.name.given.encode() not in raw, agency
            assert member.name.family.encode() not in raw, agency


async def test_cases_are_listed_newest_first_page_by_page(coordination, clock) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    ids = []
    for i, stem in enumerate(("chen", "okafor", "johnson")):
        clock.advance(dt.timedelta(minutes=1))
        case = (await coordination.orchestrator.SubmitApplication(example(stem, f"page-{i}"))).case
        ids.append(case.case_id)
    first = await coordination.orchestrator.ListCases(pb.ListCasesRequest(page_size=2))
    assert [c.case_id for c in first.cases] == [ids[2], ids[1]]
    assert first.next_page_token
    second = await coordination.orchestrator.ListCases(
        pb.ListCasesRequest(page_size=2, page_token=first.next_page_token)
    )
    assert [c.case_id for c in second.cases] == [ids[0]]
    assert second.next_page_token == ""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await coordination.orchestrator.ListCases(pb.ListCasesRequest(page_token="garbage"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_an_unknown_case_is_not_found_by_a_supervisor(coordination) -> None:  # type: ignore[no-untyped-def]
    # A caseworker is refused instead, as for another's case (test_existence_oracle.py).
    supervisor = coordination.stub_as("sv-1", "supervisor")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await supervisor.GetCase(pb.GetCaseRequest(case_id="nope"))
    assert details_of(caught.value).reason == "CASE_NOT_FOUND"


async def test_hhs_computes_magi_from_the_incomes_the_orchestrator_sends(coordination) -> None:  # type: ignore[no-untyped-def]
    request = example("rivera", "rivera-parts")
    request.household.members[1].disabled = True  # jose
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    (sent,) = coordination.recorders["hhs"].of("DetermineEligibility")
    jose = next(m for m in sent.members if m.person_id == "jose")
    assert [(i.kind, i.annual_amount_cents) for i in jose.incomes] == [
        (i.kind, i.annual_amount_cents) for i in request.household.members[1].incomes
    ]
    assert jose.annual_magi_cents == 0 and jose.disabled
    medicaid = _programs(case, "jose")[det.PROGRAM_MEDICAID]
    # Texas covers parents only far below this income: a disabled parent goes on to the
    # non-MAGI assessment rather than a refusal.
    assert medicaid.status == det.DETERMINATION_STATUS_REFERRED
    assert medicaid.reasons[0].citation.startswith("42 CFR 435.603(j)(3)")
    shown = [r for r in medicaid.reasons if r.code == "MAGI_FROM_INCOMES"]
    assert shown and shown[0].figures["magi_cents"] == "1950000"
