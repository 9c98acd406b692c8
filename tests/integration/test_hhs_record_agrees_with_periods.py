"""HHS's enrollment of record and its enrollment periods tell one story: whatever order a
case's decisions arrive in, each person's record says what their open period says (the
standing of the newest decision in effect), and someone whose open period holds a standing
has a record of it. Once, a newer decision leaving a member out did not move their ended
record, and an older one delivered after it put them back in the record while the periods
(rightly) said they had left."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from eligibility.common.v1 import life_event_pb2 as le
from services.hhs.enrollments import apply_change
from services.hhs.tables import TABLES, Enrollment, EnrollmentPeriod
from shared.change_notice import check_notice
from shared.db import Database
from tests.integration.test_hhs_periods import ELIGIBLE, INELIGIBLE, _notice

FIRST = dt.date(2026, 7, 1)
LATER_THAN_ANY = dt.date(2030, 1, 1)


@st.composite
def deliveries(draw: st.DrawFn) -> list[le.ChangeNotice]:
    """Up to five decisions (revisions 1..n, days in July), each keeping ana and either
    keeping ben or leaving him out, in any order of delivery."""
    notices = []
    for i in range(draw(st.integers(1, 5))):
        day = FIRST + dt.timedelta(days=draw(st.integers(0, 20)))
        status = draw(st.sampled_from([ELIGIBLE, INELIGIBLE]))
        if draw(st.booleans()):
            notices.append(_notice(f"n{i}", i + 1, day, {"ana": status}, left=("ben",)))
        else:
            notices.append(_notice(f"n{i}", i + 1, day, {"ana": status, "ben": status}))
    return draw(st.permutations(notices))


def _delivered(notices: list[le.ChangeNotice]) -> tuple[list[Enrollment], list[EnrollmentPeriod]]:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'hhs.db'}", TABLES)
        db.create_tables()
        try:
            for notice in notices:
                checked = check_notice(notice.idempotency_key, notice, FIRST, needs_ssn=False)
                with db.session() as session:
                    apply_change(session, checked)
            with db.session() as session:
                return list(session.exec(select(Enrollment))), list(
                    session.exec(select(EnrollmentPeriod))
                )
        finally:
            db.dispose()


# The order that once broke it: ben leaves (2), leaves again (4), and the decision that had
# him back (3) arrives last.
ONCE_BROKEN = [
    _notice("applied", 1, FIRST, {"ana": ELIGIBLE, "ben": ELIGIBLE}),
    _notice("ben-left", 2, FIRST + dt.timedelta(days=5), {"ana": ELIGIBLE}, left=("ben",)),
    _notice("ben-left-again", 4, FIRST + dt.timedelta(days=15), {"ana": ELIGIBLE}, left=("ben",)),
    _notice("ben-back", 3, FIRST + dt.timedelta(days=10), {"ana": ELIGIBLE, "ben": ELIGIBLE}),
]


@settings(max_examples=300, deadline=None)
@given(deliveries())
@example(ONCE_BROKEN)
def test_the_record_says_what_the_open_period_says(notices: list[le.ChangeNotice]) -> None:
    records, periods = _delivered(notices)
    holding = {
        (p.person_id, p.program): "LEFT" if p.left_case else p.status
        for p in periods
        if p.valid_from <= LATER_THAN_ANY
        and (p.valid_until is None or p.valid_until >= LATER_THAN_ANY)
    }
    record = {
        (r.person_id, r.program): "LEFT" if r.ended_on is not None else r.status for r in records
    }
    for key, standing in record.items():
        assert holding.get(key) == standing, key
    for key, standing in holding.items():
        if standing != "LEFT":
            assert key in record, key
