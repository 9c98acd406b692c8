"""Reading a case's enrollment periods, a page at a time: the request checked field by
field, the query, and page tokens that carry the request they belong to (AIP-158)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from eligibility.hhs.v1 import subsidy_eligibility_pb2 as pb
from services.hhs.tables import EnrollmentPeriod
from shared.errors import FieldViolation, invalid_argument
from shared.limits import MAX_ID_CHARS
from shared.validation import check_date

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Position:
    """The last period of a page, in the listing's order."""

    person_id: str
    program: str
    valid_from: dt.date
    ident: int


@dataclass(frozen=True)
class PeriodQuery:
    case_id: str
    as_of: dt.date | None
    show_superseded: bool
    page_size: int
    after: Position | None

    def token_for(self, last: EnrollmentPeriod) -> str:
        assert last.id is not None
        raw = json.dumps(
            [*self.scope(), last.person_id, last.program, last.valid_from.isoformat(), last.id]
        )
        return base64.urlsafe_b64encode(raw.encode()).decode()

    def scope(self) -> list[object]:
        as_of = self.as_of.isoformat() if self.as_of else ""
        return [self.case_id, as_of, self.show_superseded and self.as_of is None]


def period_query(request: pb.ListEnrollmentPeriodsRequest) -> PeriodQuery:
    """The request as a query, or INVALID_ARGUMENT listing each field at fault."""
    out: list[FieldViolation] = []
    if not request.case_id.strip():
        out.append(FieldViolation("case_id", "is required"))
    as_of = None
    if request.HasField("as_of"):
        as_of = check_date(request.as_of, "as_of", out)
    if request.page_size < 0:
        out.append(FieldViolation("page_size", "cannot be negative"))
    query = PeriodQuery(
        request.case_id,
        as_of,
        request.show_superseded,
        min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
        None,
    )
    after = None
    if request.page_token and not out:
        after = _position(query, request.page_token, out)
    if out:
        raise invalid_argument(out)
    return PeriodQuery(query.case_id, as_of, query.show_superseded, query.page_size, after)


def _position(query: PeriodQuery, token: str, out: list[FieldViolation]) -> Position | None:
    try:
        *scope, person_id, program, valid_from, ident = json.loads(
            base64.urlsafe_b64decode(token.encode())
        )
        position = Position(person_id, program, dt.date.fromisoformat(valid_from), ident)
    except Exception:  # any malformed token is the caller's error
        out.append(FieldViolation("page_token", "is not one this service issued"))
        return None
    if not _issued(position):
        out.append(FieldViolation("page_token", "is not one this service issued"))
        return None
    if scope != query.scope():
        out.append(
            FieldViolation("page_token", "was issued for another case_id, as_of or show_superseded")
        )
        return None
    return position


def _issued(at: Position) -> bool:
    """Whether ``at`` could be the last period of a page: text the period table holds and a
    row id. A forged one (a list for a person id, a NUL, a lone surrogate, an id past 64
    bits) would otherwise reach the database, which fails on it instead of finding nothing."""
    texts = (at.person_id, at.program)
    return (
        all(isinstance(t, str) and 0 < len(t) <= MAX_ID_CHARS and _storable(t) for t in texts)
        and type(at.ident) is int
        and 0 < at.ident < 2**63
    )


def _storable(text: str) -> bool:
    if "\x00" in text:  # PostgreSQL keeps no NUL in text
        return False
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate, which JSON may carry and UTF-8 cannot
        return False
    return True


def list_periods(session: Session, query: PeriodQuery) -> tuple[list[EnrollmentPeriod], bool]:
    """One page, by person, program and first day; returns (periods, more)."""
    rows = select(EnrollmentPeriod).where(EnrollmentPeriod.case_id == query.case_id)
    until = col(EnrollmentPeriod.valid_until)
    if query.as_of is not None:
        rows = rows.where(
            EnrollmentPeriod.valid_from <= query.as_of,
            or_(until.is_(None), until >= query.as_of),
        )
    elif not query.show_superseded:
        rows = rows.where(or_(until.is_(None), until >= col(EnrollmentPeriod.valid_from)))
    if query.after is not None:
        rows = rows.where(_after(query.after))
    rows = rows.order_by(
        col(EnrollmentPeriod.person_id),
        col(EnrollmentPeriod.program),
        col(EnrollmentPeriod.valid_from),
        col(EnrollmentPeriod.id),
    ).limit(query.page_size + 1)
    found = list(session.exec(rows))
    return found[: query.page_size], len(found) > query.page_size


def _after(at: Position):  # type: ignore[no-untyped-def]
    person, program = col(EnrollmentPeriod.person_id), col(EnrollmentPeriod.program)
    first, ident = col(EnrollmentPeriod.valid_from), col(EnrollmentPeriod.id)
    return or_(
        person > at.person_id,
        and_(person == at.person_id, program > at.program),
        and_(person == at.person_id, program == at.program, first > at.valid_from),
        and_(
            person == at.person_id,
            program == at.program,
            first == at.valid_from,
            ident > at.ident,
        ),
    )
