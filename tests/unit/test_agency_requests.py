"""What the orchestrator tells each agency, built from the household."""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import date_pb2, household_pb2
from services.orchestrator.adapters.agency_requests import hhs_request, snap_request
from shared.protoconv import date_from_proto


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


def _one_member(born: dt.date) -> household_pb2.Household:
    household = household_pb2.Household()
    household.members.add(
        person_id="ana", birth_date=date_pb2.Date(year=born.year, month=born.month, day=born.day)
    )
    return household


def test_an_application_during_its_plan_year_takes_ages_on_its_own_day() -> None:
    """Born 2007-06-01: 18 on 1 January 2026, 19 on 30 November 2026 when she applies."""
    household = _one_member(dt.date(2007, 6, 1))
    assert hhs_request(household, 2026, None, dt.date(2026, 11, 30)).members[0].age == 19
    # An answer for the year as a whole (no day given) still takes 1 January.
    assert hhs_request(household, 2026).members[0].age == 18


def test_an_application_for_a_year_not_begun_takes_ages_on_its_first_day() -> None:
    """Born 2007-12-15: 18 on 30 November 2026, 19 on 1 January 2027."""
    household = _one_member(dt.date(2007, 12, 15))
    assert hhs_request(household, 2027, None, dt.date(2026, 11, 30)).members[0].age == 19


def test_an_application_for_a_year_over_takes_ages_on_its_last_day() -> None:
    """Born 2007-01-15: 18 on 31 December 2025, 19 on 10 January 2026 when she applies."""
    household = _one_member(dt.date(2007, 1, 15))
    assert hhs_request(household, 2025, None, dt.date(2026, 1, 10)).members[0].age == 18


def test_hhs_is_told_the_day_the_ages_were_taken_on() -> None:
    household = _one_member(dt.date(2007, 12, 15))
    request = hhs_request(household, 2027, None, dt.date(2026, 11, 30))
    assert date_from_proto(request.determined_on) == dt.date(2027, 1, 1)
    request = hhs_request(household, 2026, None, dt.date(2026, 11, 30))
    assert date_from_proto(request.determined_on) == dt.date(2026, 11, 30)
    # No day: HHS answers on its own.
    assert not hhs_request(household, 2026).HasField("determined_on")
