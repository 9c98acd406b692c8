"""The day a member's Marketplace premium is age-rated on (domain.rating_day), and the
premium_age the orchestrator sends HHS from it when the case is determined again."""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import date_pb2, household_pb2
from services.orchestrator.adapters.agency_requests import hhs_request
from services.orchestrator.domain.rating_day import rating_days

OPENED = dt.date(2026, 3, 1)
ANSWER = dt.date(2026, 11, 20)


def _household(**born: dt.date) -> household_pb2.Household:
    household = household_pb2.Household()
    for pid, day in born.items():
        household.members.add(
            person_id=pid, birth_date=date_pb2.Date(year=day.year, month=day.month, day=day.day)
        )
    return household


def _ages(request) -> dict[str, tuple[int, int | None]]:  # type: ignore[no-untyped-def]
    return {
        m.person_id: (m.age, m.premium_age if m.HasField("premium_age") else None)
        for m in request.members
    }


def test_coverage_begins_on_the_first_answer_day_of_the_plan_year() -> None:
    # Applied during the year: its own day; before it (open enrollment, or a case renewed
    # into it): 1 January; after it (last year's coverage): 31 December.
    assert rating_days(2026, OPENED, {}).start == OPENED
    assert rating_days(2027, OPENED, {}).start == dt.date(2027, 1, 1)
    assert rating_days(2025, OPENED, {}).start == dt.date(2025, 12, 31)


def test_a_member_who_joined_during_the_year_is_rated_from_their_own_day() -> None:
    days = rating_days(2026, OPENED, {"wed": dt.date(2026, 8, 1), "old": dt.date(2025, 6, 1)})
    assert days.day_for("wed") == dt.date(2026, 8, 1)
    # Joined before this year's coverage began: rated from its start like everyone else.
    assert days.day_for("old") == OPENED
    assert days.day_for("anyone") == OPENED
    # After a renewal into 2027, a 2026 joiner starts the new policy year on 1 January.
    assert rating_days(2027, OPENED, {"wed": dt.date(2026, 8, 1)}).day_for("wed") == dt.date(
        2027, 1, 1
    )


def test_a_birthday_since_coverage_began_is_sent_as_the_premium_age() -> None:
    household = _household(
        jose=dt.date(1986, 5, 1),  # 39 on 1 March, 40 on 20 November
        ana=dt.date(1990, 1, 15),  # 36 on both days
        wed=dt.date(1990, 6, 15),  # joined 1 August at 36: 35 on 1 March
        baby=dt.date(2026, 9, 2),  # born since: 0 throughout
    )
    days = rating_days(2026, OPENED, {"wed": dt.date(2026, 8, 1), "baby": dt.date(2026, 9, 2)})
    assert _ages(hhs_request(household, 2026, None, ANSWER, days)) == {
        "jose": (40, 39),
        "ana": (36, None),
        "wed": (36, None),
        "baby": (0, None),
    }
    # Without rating days (a first answer, or an older caller) nothing is sent: HHS rates
    # on the age, as before.
    assert all(p is None for _, p in _ages(hhs_request(household, 2026, None, ANSWER)).values())
