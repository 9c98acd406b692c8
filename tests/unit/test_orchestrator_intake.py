"""Intake refuses a bad application whole, with one field violation per problem."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from eligibility.common.v1 import household_pb2
from services.harness.households import example_paths, load_request
from services.orchestrator.domain.intake import validate_application
from shared.errors import ServiceError

TODAY = dt.date(2026, 11, 25)


def _rivera():  # type: ignore[no-untyped-def]
    path = next(p for p in example_paths() if "rivera" in p.name)
    return load_request(path, "req-1")


def _violations(request) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ServiceError) as caught:
        validate_application(request, TODAY)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    return {v.field: v.description for v in caught.value.violations}


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_every_shipped_example_is_a_valid_application(path) -> None:  # type: ignore[no-untyped-def]
    validate_application(load_request(path, "req"), TODAY)


def test_negative_wages_are_refused_but_a_business_loss_is_not() -> None:
    request = _rivera()
    request.household.members[0].incomes[0].annual_amount_cents = -100
    request.household.members[1].incomes.add(
        kind=household_pb2.INCOME_KIND_SELF_EMPLOYMENT, annual_amount_cents=-250_000
    )
    violations = _violations(request)
    assert list(violations) == ["household.members[0].incomes[0].annual_amount_cents"]
    assert "wages cannot be negative" in violations[list(violations)[0]]


def test_four_problems_give_exactly_four_violations() -> None:
    request = _rivera()
    request.household.members[0].incomes[0].annual_amount_cents = -1  # negative wages
    request.household.members[1].ssn = "12-345-678"  # malformed SSN
    del request.household.tax_units[0].dependent_person_ids[:]  # dependents in no tax unit
    request.household.tax_units[0].dependent_person_ids.append("sofia")
    request.household.address.state_code = "XX"  # unknown state
    violations = _violations(request)
    assert set(violations) == {
        "household.members[0].incomes[0].annual_amount_cents",
        "household.members[1].ssn",
        "household.members[3]",
        "household.address.state_code",
    }
    assert "in no tax unit" in violations["household.members[3]"]


def test_references_to_unknown_people_are_named() -> None:
    request = _rivera()
    request.household.relationships[0].related_person_id = "ghost"
    request.household.tax_units[0].filer_person_ids[1] = "ghost"
    violations = _violations(request)
    assert "household.relationships[0].related_person_id" in violations
    assert "household.tax_units[0].filer_person_ids[1]" in violations


def test_missing_request_id_programs_and_a_future_birth_date() -> None:
    request = _rivera()
    request.request_id = ""
    del request.programs[:]
    request.household.members[2].birth_date.year = 2027
    violations = _violations(request)
    assert {"request_id", "programs", "household.members[2].birth_date"} <= set(violations)


def test_plan_year_far_from_today_is_refused() -> None:
    request = _rivera()
    request.plan_year = 2020
    assert "plan_year" in _violations(request)


def test_joint_return_needs_two_filers() -> None:
    request = _rivera()
    del request.household.tax_units[0].filer_person_ids[1:]
    violations = _violations(request)
    assert "household.tax_units[0].filer_person_ids" in violations
