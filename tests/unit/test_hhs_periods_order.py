"""Whatever order HHS is told of a person's decisions in, their enrollment periods say, for
every day, the standing of the newest decision already in effect that day, and no two
periods hold the same day. Checked on a real SQLite database against that rule computed
directly, for decisions drawn at random and delivered in a random order."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from services.hhs.changes import ProgramStanding
from services.hhs.periods import PeriodBook
from services.hhs.tables import EnrollmentPeriod
from shared.db import Database

FIRST = dt.date(2026, 1, 1)
DAYS = 40


@dataclass(frozen=True)
class Decision:
    """What PeriodBook reads of a checked notice."""

    key: str
    revision: int
    effective_date: dt.date
    left: bool


def _decisions(draw: st.DrawFn) -> list[Decision]:
    count = draw(st.integers(1, 6))
    return [
        Decision(
            f"n{i}",
            draw(st.integers(0, 3)),
            FIRST + dt.timedelta(days=draw(st.integers(0, DAYS - 1))),
            draw(st.booleans()),
        )
        for i in range(count)
    ]


deliveries = st.composite(lambda draw: draw(st.permutations(_decisions(draw))))


def _expected(delivered: list[Decision], day: dt.date) -> str:
    """The rule itself: the newest decision in effect on ``day`` (a tie: the later
    delivered), or "" before any."""
    in_effect = [
        (d.revision, d.effective_date, i, d)
        for i, d in enumerate(delivered)
        if d.effective_date <= day
    ]
    if not in_effect:
        return ""
    newest = max(in_effect, key=lambda entry: entry[:3])[3]
    return ("left:" if newest.left else "") + newest.key


@settings(max_examples=150, deadline=None)
@given(deliveries())
def test_periods_follow_the_newest_decision_in_effect_whatever_the_order(
    delivered: list[Decision],
) -> None:
    folder = tempfile.TemporaryDirectory()
    db = Database(f"sqlite:///{Path(folder.name) / 'hhs.db'}", [EnrollmentPeriod])
    db.create_tables()
    try:
        for decision in delivered:
            with db.session() as session:
                standing = ProgramStanding("ana", "MEDICAID", decision.key.upper(), 0, "")
                book = PeriodBook(session, "case")
                book.record(
                    "ana",
                    "MEDICAID",
                    decision,  # type: ignore[arg-type]
                    None if decision.left else standing,
                )
                book.write()
        with db.session() as session:
            rows = session.exec(select(EnrollmentPeriod)).all()
    finally:
        db.dispose()
        folder.cleanup()
    for offset in range(DAYS + 5):
        day = FIRST + dt.timedelta(days=offset)
        holding = [
            ("left:" if r.left_case else "") + r.set_by
            for r in rows
            if r.valid_from <= day and (r.valid_until is None or r.valid_until >= day)
        ]
        want = _expected(delivered, day)
        assert holding == ([want] if want else []), (day, delivered)
    # Each period was set by one notice, once, and ends where the next one began.
    assert len({r.set_by for r in rows}) == len(rows)
