"""The day each member's Marketplace premium is age-rated on: when their coverage for the
plan year began.

An issuer rates a policy on each enrollee's age "as of the date of policy issuance or
renewal" and keeps it for the policy year (45 CFR 147.102(a)(1)(iii)); the benchmark
premium behind the premium tax credit is that policy's premium adjusted only for age as
that section allows (26 U.S.C. 36B(b)(3)(C); 26 CFR 1.36B-3(e)). So when a case is
determined again during the year (a change, a recheck, a settlement), a birthday since
coverage began moves Medicaid and CHIP, which read age on the answer's day, but not the
premium.

Coverage for a plan year begins on the case's first answer day in that year: the
application's own day during the year, 1 January for an application made before it (open
enrollment) or a case renewed into it, 31 December for one made after it
(domain.answer_day). A member who joins during the year (a birth, an adoption, a marriage)
is rated at their age on the change's day: their own enrollment starts then (a birth or
adoption) or on a following first of the month (a marriage; 45 CFR 155.420(b)(2)). The
days used here are the nearest the orchestrator knows: coverage chosen mid-year usually
starts on a later first of the month that only the Marketplace knows, and a rating age
differs only when a birthday falls in between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from services.orchestrator.domain.answer_day import answer_day


@dataclass(frozen=True)
class RatingDays:
    # The case's coverage start for the plan year, for every member already in it.
    start: dt.date
    # Members who joined after it, with the day they joined.
    joined: Mapping[str, dt.date]

    def day_for(self, person_id: str) -> dt.date:
        return self.joined.get(person_id, self.start)


def rating_days(plan_year: int, opened_on: dt.date, joined: Mapping[str, dt.date]) -> RatingDays:
    """The rating days of a case opened on ``opened_on``, for ``plan_year``; ``joined``
    holds the day each member joined by a reported change (any plan year's)."""
    start = answer_day(plan_year, opened_on)
    # Joining before this year's coverage began (a renewal since) counts as from its start.
    later = {pid: day for pid, day in joined.items() if start < day <= dt.date(plan_year, 12, 31)}
    return RatingDays(start, later)
