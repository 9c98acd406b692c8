"""Hostile input sent straight to an agency is refused as cleanly as at the orchestrator:
the same limits hold at every service, because every service decodes through the same
interceptor. On SQLite and PostgreSQL both."""

from __future__ import annotations

import grpc
import pytest

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import household_pb2 as hh
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as hhs_pb
from eligibility.hhs.v1 import subsidy_eligibility_pb2_grpc as hhs_grpc
from eligibility.ssa.v1 import identity_pb2 as ssa_pb
from eligibility.ssa.v1 import identity_pb2_grpc as ssa_grpc
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from eligibility.treasury.v1 import income_verification_pb2_grpc as treasury_grpc
from eligibility.usda.v1 import snap_eligibility_pb2 as usda_pb
from eligibility.usda.v1 import snap_eligibility_pb2_grpc as usda_grpc
from tests.integration.hostile import fields, refused, row_counts, serving

INVALID = grpc.StatusCode.INVALID_ARGUMENT
INT64_MAX = 2**63 - 1


def _hhs_request(plan_year: int = 2027) -> hhs_pb.DetermineEligibilityRequest:
    return hhs_pb.DetermineEligibilityRequest(
        plan_year=plan_year,
        state_code="TX",
        county="Harris",
        members=[
            hhs_pb.EligibilityMember(
                person_id="a", age=30, citizenship=hh.CITIZENSHIP_STATUS_CITIZEN, applying=True
            )
        ],
        tax_units=[
            hh.TaxUnit(
                tax_unit_id="t", filing_status=hh.FILING_STATUS_SINGLE, filer_person_ids=["a"]
            )
        ],
    )


def _identity(person_id: str = "a", given: str = "Wei") -> ssa_pb.IdentityQuery:
    return ssa_pb.IdentityQuery(
        person_id=person_id,
        ssn="523110042",
        name=hh.PersonName(given=given, family="Chen"),
        birth_date=date_pb2.Date(year=1996, month=8, day=30),
    )


async def test_hhs_asked_for_a_year_it_holds_no_figures_for_names_them(coordination) -> None:  # type: ignore[no-untyped-def]
    async with coordination.agencies["hhs"].channel() as channel:
        stub = hhs_grpc.SubsidyEligibilityServiceStub(channel)
        details = await refused(
            stub.DetermineEligibility(_hhs_request(2013)), grpc.StatusCode.FAILED_PRECONDITION
        )
    assert details.reason == "PLAN_YEAR_FIGURES_NOT_LOADED"
    assert "2013" in details.message and "hhs.aca." in details.message


@pytest.mark.parametrize("plan_year", [10_000, -1, 2**31 - 1])
async def test_hhs_refuses_a_plan_year_outside_the_calendar(coordination, plan_year) -> None:  # type: ignore[no-untyped-def]
    async with coordination.agencies["hhs"].channel() as channel:
        stub = hhs_grpc.SubsidyEligibilityServiceStub(channel)
        details = await refused(stub.DetermineEligibility(_hhs_request(plan_year)), INVALID)
    assert fields(details) == {"plan_year"}


async def test_hhs_refuses_a_citizenship_the_schema_does_not_know(coordination) -> None:  # type: ignore[no-untyped-def]
    request = _hhs_request()
    request.members[0].citizenship = 42
    async with coordination.agencies["hhs"].channel() as channel:
        stub = hhs_grpc.SubsidyEligibilityServiceStub(channel)
        details = await refused(stub.DetermineEligibility(request), INVALID)
    assert fields(details) == {"members[0].citizenship"}


async def test_usda_refuses_monthly_earnings_that_would_overflow(coordination) -> None:  # type: ignore[no-untyped-def]
    request = usda_pb.DetermineSnapEligibilityRequest(
        benefit_month=date_pb2.Date(year=2026, month=11, day=1),
        state_code="TX",
        members=[
            usda_pb.SnapMember(person_id="a", age=30, monthly_earned_income_cents=INT64_MAX),
            usda_pb.SnapMember(person_id="b", age=30, monthly_unearned_income_cents=INT64_MAX),
        ],
    )
    async with coordination.agencies["usda"].channel() as channel:
        stub = usda_grpc.SnapEligibilityServiceStub(channel)
        details = await refused(stub.DetermineSnapEligibility(request), INVALID)
    assert fields(details) == {
        "members[0].monthly_earned_income_cents",
        "members[1].monthly_unearned_income_cents",
    }
    assert await serving(coordination.agencies["usda"])


@pytest.mark.parametrize(
    ("where", "request_"),
    [
        (
            "case_id",
            ssa_pb.VerifyIdentityRequest(purpose="p", case_id="c\x00", people=[_identity()]),
        ),
        ("purpose", ssa_pb.VerifyIdentityRequest(purpose="p" * 10_000, people=[_identity()])),
        (
            "people[0].person_id",
            ssa_pb.VerifyIdentityRequest(purpose="p", people=[_identity("a" * 65)]),
        ),
        (
            "people[0].name.given",
            ssa_pb.VerifyIdentityRequest(purpose="p", people=[_identity(given="W\x00")]),
        ),
    ],
)
async def test_ssa_stores_nothing_for_nul_or_overlong_strings(
    coordination, where, request_
) -> None:  # type: ignore[no-untyped-def]
    before = row_counts(coordination.databases)
    async with coordination.agencies["ssa"].channel() as channel:
        stub = ssa_grpc.IdentityServiceStub(channel)
        details = await refused(stub.VerifyIdentity(request_), INVALID)
    assert fields(details) == {where}
    assert row_counts(coordination.databases) == before
    assert await serving(coordination.agencies["ssa"])


async def test_treasury_stores_nothing_for_an_overlong_purpose(coordination) -> None:  # type: ignore[no-untyped-def]
    request = treasury_pb.VerifyHouseholdIncomeRequest(
        tax_year=2025,
        purpose="x" * 300,
        case_id="\x00",
        filers=[treasury_pb.TaxFiler(person_id="a", ssn="523110042")],
    )
    before = row_counts(coordination.databases)
    async with coordination.agencies["treasury"].channel() as channel:
        stub = treasury_grpc.IncomeVerificationServiceStub(channel)
        details = await refused(stub.VerifyHouseholdIncome(request), INVALID)
    assert fields(details) == {"purpose", "case_id"}
    assert row_counts(coordination.databases) == before


@pytest.mark.parametrize("agency", ["treasury", "ssa", "hhs", "usda"])
async def test_bytes_that_are_not_a_message_are_invalid_at_every_agency(
    coordination, agency
) -> None:  # type: ignore[no-untyped-def]
    method = {
        "treasury": "/eligibility.treasury.v1.IncomeVerificationService/VerifyHouseholdIncome",
        "ssa": "/eligibility.ssa.v1.IdentityService/VerifyIdentity",
        "hhs": "/eligibility.hhs.v1.SubsidyEligibilityService/DetermineEligibility",
        "usda": "/eligibility.usda.v1.SnapEligibilityService/DetermineSnapEligibility",
    }[agency]
    async with coordination.agencies[agency].channel() as channel:
        details = await refused(channel.unary_unary(method)(b"\x12\x05ab"), INVALID)
    assert details.reason == "MALFORMED_REQUEST"
    assert await serving(coordination.agencies[agency])
