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


def _sofia_born(request, born: dt.date) -> None:  # type: ignore[no-untyped-def]
    sofia = next(m for m in request.household.members if m.person_id == "sofia")
    sofia.birth_date.year, sofia.birth_date.month, sofia.birth_date.day = (
        born.year,
        born.month,
        born.day,
    )
    # Out of every tax unit: only a member under 19 on the answer's day must be in one.
    request.household.tax_units[0].dependent_person_ids.remove("sofia")


def test_a_dependent_is_under_19_on_the_day_the_answer_holds_from() -> None:
    """Born 2007-06-01: 18 on 1 January 2026 but 19 on TODAY (2026-11-25), so for plan
    year 2026 she need not be claimed; born 2007-12-15 she is still 18 and must be."""
    request = _rivera()
    request.plan_year = 2026
    _sofia_born(request, dt.date(2007, 6, 1))
    validate_application(request, TODAY)
    request = _rivera()
    request.plan_year = 2026
    _sofia_born(request, dt.date(2007, 12, 15))
    assert "in no tax unit" in _violations(request)["household.members[2]"]


def test_a_dependent_for_a_year_not_begun_is_under_19_on_its_first_day() -> None:
    """Born 2007-12-15: 18 on TODAY but 19 on 1 January 2027, the start of plan year 2027."""
    request = _rivera()
    request.plan_year = 2027
    _sofia_born(request, dt.date(2007, 12, 15))
    validate_application(request, TODAY)


def test_a_change_ahead_takes_ages_on_its_own_day() -> None:
    """A move reported for 2026-12-20 holds from then: born 2007-12-15, 19 by that day."""
    request = _rivera()
    request.plan_year = 2026
    _sofia_born(request, dt.date(2007, 12, 15))
    validate_application(request, TODAY, holds_from=dt.date(2026, 12, 20))
