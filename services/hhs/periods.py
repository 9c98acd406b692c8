"""HHS's enrollment periods: every standing each person of a case held, kept beside the
enrollment of record and written in the same transaction (services.hhs.timeline says
where each decision goes). A period's standing is never rewritten; only its end is set,
by the decision that ended it, or set earlier by a newer decision that took effect
sooner. Its last day is the day before the next decision took effect."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from services.hhs.changes import ProgramStanding
from services.hhs.tables import Enrollment, EnrollmentPeriod
from services.hhs.timeline import DAY, Held, place
from shared.bulk_insert import insert_many
from shared.change_notice import CheckedNotice
from shared.decision_order import DecisionOrder


@dataclass(slots=True)
class _Period:
    """A period as a notice's work holds it: read from the table (with its id) or set by
    the notice (no id yet), all written by ``PeriodBook.write``."""

    case_id: str
    person_id: str
    program: str
    status: str
    monthly_benefit_cents: int
    csr_level: str
    left_case: bool
    valid_from: dt.date
    valid_until: dt.date | None
    set_by: str
    set_revision: int
    closed_by: str
    closed_revision: int
    id: int | None = None


_COLUMNS = tuple(f.name for f in fields(_Period) if f.name != "id")
_TABLE = EnrollmentPeriod.__table__  # type: ignore[attr-defined]
# Built once, run with each notice's values: plain rows, not model objects, as a notice
# reads a few and writes a few (building statements and objects cost more than that).
_HELD = select(*(_TABLE.c[name] for name in (*_COLUMNS, "id"))).where(
    _TABLE.c.case_id == bindparam("case_id")
)
_END = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("row_id"))
    .values(
        valid_until=bindparam("new_valid_until"),
        closed_by=bindparam("new_closed_by"),
        closed_revision=bindparam("new_closed_revision"),
    )
)


class PeriodBook:
    """One case's periods, read once for a notice; what the notice sets and ends is
    written together by ``write``."""

    def __init__(self, session: Session, case_id: str) -> None:
        self._session = session
        self._case_id = case_id
        self._rows: dict[tuple[str, str], list[_Period]] = defaultdict(list)
        self._new: list[_Period] = []
        self._ended: dict[int, _Period] = {}
        for row in session.connection().execute(_HELD, {"case_id": case_id}):
            self._rows[(row.person_id, row.program)].append(_Period(*row))

    def record(
        self,
        person_id: str,
        program: str,
        notice: CheckedNotice,
        standing: ProgramStanding | None,
    ) -> bool:
        """The notice's standing for the person from its effective day (None: the
        decision leaves them out of the case). Returns whether it holds now, with no
        newer decision after it: then it is what the enrollment of record says."""
        rows = self._rows[(person_id, program)]
        by_id = {id(row): row for row in rows}
        held = [
            Held(id(r), DecisionOrder(r.set_revision, r.valid_from), r.valid_until)
            for r in rows
            if r.valid_until is None or r.valid_until >= r.valid_from
        ]
        placement = place(held, DecisionOrder(notice.revision, notice.effective_date))
        if placement is None:
            return False
        for ident, last_day in placement.ends:
            ended = by_id[ident]
            ended.valid_until = last_day
            ended.closed_by, ended.closed_revision = notice.key, notice.revision
            if ended.id is not None:
                self._ended[ended.id] = ended
        bound = by_id[placement.bounded_by] if placement.bounded_by is not None else None
        row = _Period(
            case_id=self._case_id,
            person_id=person_id,
            program=program,
            status=standing.status if standing else "",
            monthly_benefit_cents=standing.monthly_benefit_cents if standing else 0,
            csr_level=standing.csr_level if standing else "",
            left_case=standing is None,
            valid_from=notice.effective_date,
            valid_until=placement.valid_until,
            set_by=notice.key,
            set_revision=notice.revision,
            closed_by=bound.set_by if bound else "",
            closed_revision=bound.set_revision if bound else 0,
        )
        self._new.append(row)
        rows.append(row)
        return placement.valid_until is None

    def write(self) -> None:
        """Write what was recorded since the last write, in the session's transaction:
        the new periods as one executemany (shared.bulk_insert), then the ends set on
        periods read from the table."""
        connection = self._session.connection()
        if self._new:
            rows = [{name: getattr(row, name) for name in _COLUMNS} for row in self._new]
            insert_many(connection, _TABLE, rows, _COLUMNS)
            self._new = []
        if self._ended:
            connection.execute(
                _END,
                [
                    {
                        "row_id": row_id,
                        "new_valid_until": row.valid_until,
                        "new_closed_by": row.closed_by,
                        "new_closed_revision": row.closed_revision,
                    }
                    for row_id, row in self._ended.items()
                ],
            )
            self._ended = {}


def backfill(session: Session) -> int:
    """Periods for enrollments of record kept before periods were: each gets one period
    from its effective date, open, or ended when its member left the case (then the time
    out of the case follows). Enrollments that have periods are left alone, so running
    it again adds nothing. Returns how many enrollments it gave periods."""
    has_periods = (
        select(EnrollmentPeriod.id)
        .where(
            EnrollmentPeriod.case_id == Enrollment.case_id,
            EnrollmentPeriod.person_id == Enrollment.person_id,
            EnrollmentPeriod.program == Enrollment.program,
        )
        .exists()
    )
    rows = session.exec(select(Enrollment).where(~has_periods).order_by(col(Enrollment.id))).all()
    for row in rows:
        session.add_all(_periods_of(row))
    return len(rows)


def _periods_of(row: Enrollment) -> list[EnrollmentPeriod]:
    key = {"case_id": row.case_id, "person_id": row.person_id, "program": row.program}
    periods = []
    # An enrollment ended on its own effective day (nothing was held when its member
    # left) held no day: only the time out of the case is history.
    if row.ended_on is None or row.ended_on > row.effective_date:
        periods.append(
            EnrollmentPeriod(
                **key,
                status=row.status,
                monthly_benefit_cents=row.monthly_benefit_cents,
                csr_level=row.csr_level,
                valid_from=row.effective_date,
                valid_until=row.ended_on - DAY if row.ended_on else None,
                set_by=row.idempotency_key,
                set_revision=row.revision,
                closed_by=row.ended_by,
                closed_revision=row.ended_revision,
            )
        )
    if row.ended_on is not None:
        periods.append(
            EnrollmentPeriod(
                **key,
                left_case=True,
                valid_from=row.ended_on,
                set_by=row.ended_by,
                set_revision=row.ended_revision,
            )
        )
    return periods
