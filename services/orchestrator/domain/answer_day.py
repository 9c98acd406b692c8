"""The day an insurance-affordability answer starts to hold, on which members' ages are taken.

An answer is for a plan year but holds from the day it is given: a household applying on
30 November for the year under way is covered from then, not from the January before, so a
member who turned 19 in June is 19 in the answer. For a year not begun (open enrollment
for next year) the answer holds from 1 January; for a year already over (an application
for last year) it can hold from no later than 31 December. Intake's own age checks and the
request to HHS take ages on this one day, so they never disagree.
"""

from __future__ import annotations

import datetime as dt


def answer_day(plan_year: int, day: dt.date) -> dt.date:
    """``day`` (when the answer is given or a change takes effect) moved into ``plan_year``."""
    return min(max(day, dt.date(plan_year, 1, 1)), dt.date(plan_year, 12, 31))
