"""What the orchestrator tells each agency, built from the household."""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import date_pb2, household_pb2
from services.orchestrator.adapters.agency_requests import hhs_request, snap_request


def test_a_baby_born_during_the_benefit_month_is_counted_aged_zero() -> None:
    """Found by the bench's synthetic population: an age taken on the month's first day was
    -1 for a baby born later that month, and USDA refused the whole application."""
    household = household_pb2.Household()
    household.members.add(person_id="mum", birth_date=date_pb2.Date(year=1990, month=5, day=2))
    household.members.add(person_id="baby", birth_date=date_pb2.Date(year=2026, month=11, day=20))
    request = snap_request(household, dt.date(2026, 11, 1))
    assert [(m.person_id, m.age) for m in request.members] == [("mum", 36), ("baby", 0)]


def test_a_child_born_during_the_plan_year_is_aged_zero_when_the_case_is_determined_again() -> None:
    """Found by a simulated year on a moving clock: a settlement months after a birth
    determined the household at coverage start, the baby was -1, and HHS refused it."""
    household = household_pb2.Household()
    household.members.add(person_id="mum", birth_date=date_pb2.Date(year=1990, month=5, day=2))
    household.members.add(person_id="baby", birth_date=date_pb2.Date(year=2026, month=1, day=28))
    request = hhs_request(household, 2026)
    assert [(m.person_id, m.age) for m in request.members] == [("mum", 35), ("baby", 0)]
