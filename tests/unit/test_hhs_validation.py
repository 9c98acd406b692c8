"""DetermineEligibility request checks: one field violation per problem."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from eligibility.common.v1 import household_pb2 as hh
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as pb
from services.hhs.rules import load_parameters
from services.hhs.validation import validate
from shared.errors import ServiceError

PARAMS = load_parameters()
TODAY = dt.date(2026, 11, 25)


def _request(**overrides) -> pb.DetermineEligibilityRequest:  # type: ignore[no-untyped-def]
    request = pb.DetermineEligibilityRequest(
        plan_year=2027,
        state_code="PA",
        county="Philadelphia",
        members=[
            pb.EligibilityMember(
                person_id="a",
                age=28,
                citizenship=hh.CITIZENSHIP_STATUS_CITIZEN,
                annual_magi_cents=3_840_000,
                applying=True,
            )
        ],
        tax_units=[
            hh.TaxUnit(
                tax_unit_id="t", filing_status=hh.FILING_STATUS_SINGLE, filer_person_ids=["a"]
            )
        ],
    )
    for name, value in overrides.items():
        field = getattr(request, name)
        if isinstance(value, list):
            del field[:]
            field.extend(value)
        else:
            setattr(request, name, value)
    return request


def _fields(request: pb.DetermineEligibilityRequest) -> dict[str, str]:
    with pytest.raises(ServiceError) as caught:
        validate(request, PARAMS, TODAY)
    return {v.field: v.description for v in caught.value.violations}


def test_a_well_formed_request_passes() -> None:
    validate(_request(), PARAMS, TODAY)


def test_a_negative_magi_is_accepted_because_a_business_loss_can_make_it_negative() -> None:
    request = _request()
    request.members[0].annual_magi_cents = -1_250_000
    validate(request, PARAMS, TODAY)


@pytest.mark.parametrize("plan_year", [2013, 2028])
def test_a_plan_year_without_published_figures_is_a_failed_precondition_naming_them(
    plan_year: int,
) -> None:
    with pytest.raises(ServiceError) as caught:
        validate(_request(plan_year=plan_year), PARAMS, TODAY)
    error = caught.value
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION
    assert error.reason == "PLAN_YEAR_FIGURES_NOT_LOADED"
    assert "hhs.aca.applicable_percentage" in error.metadata["missing"].split(",")
    assert str(plan_year) in error.message


@pytest.mark.parametrize("plan_year", [-1, 1999, 10_000, 2**31 - 1])
def test_a_plan_year_outside_the_range_is_an_invalid_argument(plan_year: int) -> None:
    assert set(_fields(_request(plan_year=plan_year))) == {"plan_year"}


def test_bad_fields_are_reported_before_missing_figures() -> None:
    assert set(_fields(_request(plan_year=2013, state_code="PR"))) == {"state_code"}


def test_an_unknown_state_is_refused() -> None:
    assert set(_fields(_request(state_code="PR"))) == {"state_code"}


def test_a_joint_return_needs_two_filers_and_a_person_fits_one_unit() -> None:
    request = _request(
        tax_units=[
            hh.TaxUnit(
                tax_unit_id="t",
                filing_status=hh.FILING_STATUS_MARRIED_FILING_JOINTLY,
                filer_person_ids=["a"],
            ),
            hh.TaxUnit(
                tax_unit_id="u", filing_status=hh.FILING_STATUS_SINGLE, filer_person_ids=["a"]
            ),
        ]
    )
    assert set(_fields(request)) == {
        "tax_units[0].filer_person_ids",
        "tax_units[1].filer_person_ids[0]",
    }


def test_immigration_bar_applies_only_to_lawfully_present_members() -> None:
    request = _request()
    request.members[0].medicaid_barred_by_immigration_status = True
    assert set(_fields(request)) == {"members[0].medicaid_barred_by_immigration_status"}


def test_a_person_cannot_be_related_to_themself_and_the_kind_is_required() -> None:
    request = _request(relationships=[hh.Relationship(person_id="a", related_person_id="a")])
    assert set(_fields(request)) == {"relationships[0].related_person_id", "relationships[0].kind"}


def test_an_empty_household_is_refused() -> None:
    assert "members" in _fields(_request(members=[], tax_units=[]))


def test_expected_children_are_for_a_pregnant_member_and_at_most_eight() -> None:
    request = _request()
    request.members[0].expected_children = 2
    assert set(_fields(request)) == {"members[0].expected_children"}
    request.members[0].pregnant = True
    validate(request, PARAMS, TODAY)
    request.members[0].expected_children = 9
    assert set(_fields(request)) == {"members[0].expected_children"}


def test_a_premium_age_is_the_age_or_one_less() -> None:
    # Taken earlier in the same plan year than the answer's day: one birthday at most.
    for age, premium_age in ((28, 27), (28, 28), (0, 0)):
        request = _request()
        request.members[0].age = age
        request.members[0].premium_age = premium_age
        validate(request, PARAMS, TODAY)
    for premium_age in (26, 29, -1):
        request = _request()
        request.members[0].premium_age = premium_age
        assert set(_fields(request)) == {"members[0].premium_age"}
