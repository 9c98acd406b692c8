"""The USDA service's request checks and its mapping of rules to protobuf."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.usda.v1 import snap_eligibility_pb2 as pb
from services.usda.mapping import facts_from_request, response_from
from services.usda.rules import FiguresUnavailable, determine, fiscal_year, load_parameters
from services.usda.rules.figures import region_of, short_source
from services.usda.servicer import figures_not_loaded, validated_month
from shared.clock import FixedClock
from shared.errors import ServiceError

PARAMS = load_parameters()
CLOCK = FixedClock(dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC))


def _request(**overrides) -> pb.DetermineSnapEligibilityRequest:  # type: ignore[no-untyped-def]
    request = pb.DetermineSnapEligibilityRequest(
        benefit_month=date_pb2.Date(year=2026, month=11, day=1),
        state_code="TX",
        members=[pb.SnapMember(person_id="p1", age=40, monthly_earned_income_cents=150_000)],
        monthly_shelter_cents=90_000,
    )
    for name, value in overrides.items():
        if name == "members":
            del request.members[:]
            request.members.extend(value)
        elif name == "benefit_month":
            request.benefit_month.CopyFrom(value)
        else:
            setattr(request, name, value)
    return request


def _violations(request: pb.DetermineSnapEligibilityRequest) -> dict[str, str]:
    with pytest.raises(ServiceError) as raised:
        validated_month(request, PARAMS, CLOCK)
    assert raised.value.code is grpc.StatusCode.INVALID_ARGUMENT
    return {v.field: v.description for v in raised.value.violations}


def test_a_good_request_yields_the_first_of_its_benefit_month() -> None:
    request = _request(benefit_month=date_pb2.Date(year=2026, month=11, day=17))
    assert validated_month(request, PARAMS, CLOCK) == dt.date(2026, 11, 1)


def test_an_unset_benefit_month_means_the_current_month() -> None:
    request = _request()
    request.ClearField("benefit_month")
    assert validated_month(request, PARAMS, CLOCK) == dt.date(2026, 11, 1)


def test_every_problem_is_reported_at_once() -> None:
    request = _request(
        state_code="XX",
        members=[
            pb.SnapMember(person_id="p1", age=200),
            pb.SnapMember(person_id="p1", monthly_unearned_income_cents=-5),
            pb.SnapMember(age=3),
        ],
        monthly_shelter_cents=-1,
    )
    assert _violations(request) == {
        "state_code": "'XX' is not a USPS code of a state or DC",
        "members[0].age": "must be between 0 and 130",
        "members[1].person_id": "appears twice in the household",
        "members[1].monthly_unearned_income_cents": "must not be negative",
        "members[2].person_id": "is required",
        "monthly_shelter_cents": "must not be negative",
    }


def test_a_household_needs_a_member() -> None:
    assert _violations(_request(members=[])) == {"members": "at least one member is required"}


@pytest.mark.parametrize(("year", "month", "fy"), [(2024, 9, 2024), (2027, 10, 2028)])
def test_a_month_outside_the_loaded_fiscal_years_is_a_failed_precondition(
    year: int, month: int, fy: int
) -> None:
    request = _request(benefit_month=date_pb2.Date(year=year, month=month, day=1))
    with pytest.raises(ServiceError) as raised:
        validated_month(request, PARAMS, CLOCK)
    error = raised.value
    assert (error.code, error.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "SNAP_FIGURES_NOT_LOADED",
    )
    assert error.message == (
        f"benefit_month falls in FY{fy}; SNAP figures are loaded for FY2025 to FY2027"
    )


def test_bad_fields_are_reported_before_figures_not_loaded() -> None:
    request = _request(benefit_month=date_pb2.Date(year=2027, month=10, day=1), state_code="XX")
    assert set(_violations(request)) == {"state_code"}


def test_an_impossible_date_is_refused() -> None:
    request = _request(benefit_month=date_pb2.Date(year=2026, month=2, day=30))
    assert _violations(request) == {"benefit_month": "is not a real calendar date"}


def test_fiscal_year_starts_in_october() -> None:
    assert fiscal_year(dt.date(2026, 9, 30)) == 2026
    assert fiscal_year(dt.date(2026, 10, 1)) == 2027


def test_only_alaska_and_hawaii_have_their_own_region() -> None:
    assert [region_of(s) for s in ("AK", "HI", "DC", "TX")] == [
        "alaska",
        "hawaii",
        "contiguous",
        "contiguous",
    ]


def test_citation_uses_the_publication_title_without_its_pinpoint() -> None:
    assert (
        short_source("USDA FNS, SNAP - Fiscal Year 2026 Cost-of-Living Adjustments (memo, p. 2).")
        == "USDA FNS, SNAP - Fiscal Year 2026 Cost-of-Living Adjustments"
    )
    assert short_source("7 U.S.C. 2017(a)") == ""


def test_response_carries_the_determination_and_its_reasons() -> None:
    request = _request(homeless=True, pays_heating_or_cooling=True)
    facts = facts_from_request(request, dt.date(2026, 11, 1))
    assert facts.expenses.homeless and facts.expenses.pays_heating_or_cooling
    result = determine(facts, PARAMS)
    response = response_from(result)
    assert response.determination.program == det.PROGRAM_SNAP
    assert response.determination.status == det.DETERMINATION_STATUS_ELIGIBLE
    assert response.determination.monthly_benefit_cents == result.allotment_cents > 0
    assert response.fiscal_year == 2027 and response.household_size == 1
    assert response.categorically_eligible == result.categorically_eligible
    assert [r.code for r in response.determination.reasons] == [r.code for r in result.reasons]
    assert all(r.citation for r in response.determination.reasons)


def test_a_missing_figure_becomes_failed_precondition_naming_it() -> None:
    error = figures_not_loaded(FiguresUnavailable("usda.snap.max_allotment", "alaska", 2027))
    assert error.code is grpc.StatusCode.FAILED_PRECONDITION
    assert error.reason == "SNAP_FIGURES_NOT_LOADED"
    assert error.metadata == {
        "parameter": "usda.snap.max_allotment",
        "region": "alaska",
        "fiscal_year": "2027",
    }
