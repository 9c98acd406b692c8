"""What HHS and USDA are told when the orchestrator determines a case again of its own
accord: a pending case rechecked once a source answers (follow_up.py), a case renewed for
the next plan year (renew.py).

Either can move answers that HHS and USDA hold as enrollments and allotments of record, as
a reported change or a settlement can. So, in the redetermination's own transaction, each
agency whose program's answer moved (settlement_notices.agencies_told) gets one notice of
kind RECHECKED or RENEWED carrying the new answers and the decision's revision; an agency
none of whose answers moved is not told, and a redetermination that moved nothing writes
nothing and takes no revision.

The notice is effective on the day the new answers hold from, as the redetermination takes
it (domain/answer_day.py): a recheck's own day, a renewal's new plan year from 1 January
(or from the renewal's day, if it is made once that year has begun).

Keys: a case renews for a plan year once (the renewal's save is conditional on the year it
replaces), so the year names a renewal. Nothing about a recheck names it but its place among
the case's decisions, so its key is made from its revision: a recheck rolled back (a crash
before the commit) sent nothing, and the next try takes the same number again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session

from eligibility.common.v1 import household_pb2
from eligibility.common.v1 import life_event_pb2 as le
from services.orchestrator.adapters import outbox
from services.orchestrator.adapters.evidence_store import db_time
from services.orchestrator.adapters.repository import StoredCase
from services.orchestrator.domain.answer_day import answer_day
from services.orchestrator.usecases.settlement_notices import agencies_told, answers_notice

RECHECKED = le.LIFE_EVENT_KIND_RECHECKED
RENEWED = le.LIFE_EVENT_KIND_RENEWED


def renewal_request(plan_year: int) -> str:
    return f"renewed-{plan_year}"


def recheck_request(revision: int) -> str:
    return f"rechecked-r{revision}"


def effective_on(plan_year: int, day: dt.date) -> dt.date:
    """The day a redetermination made on ``day`` for ``plan_year`` answers from."""
    return answer_day(plan_year, day)


def _members(fresh: StoredCase) -> list[str]:
    """Every member of the household: SNAP's answer is the whole household's."""
    household = household_pb2.Household.FromString(fresh.case.household)
    return [m.person_id for m in household.members]


class Teller:
    """The ``write`` of a redetermination (Coordinator.redetermine): the notices of the
    answers it moved, in its transaction. ``told`` says afterwards which agencies."""

    def __init__(self, before: StoredCase, kind: int, due: Callable[[], dt.datetime]) -> None:
        self._before = before
        self._kind = kind
        # Lease time: when the dispatcher, on the wall clock, may first send the notices.
        self._due = due
        self.told: list[str] = []

    def __call__(self, session: Session, fresh: StoredCase, at: dt.datetime) -> None:
        case_id = fresh.case.case_id
        self.told = agencies_told(self._before.determinations, fresh.determinations)
        on = effective_on(fresh.case.plan_year, at.date())
        renewal = self._kind == RENEWED
        # A recheck's key is set from its revision by the outbox; this one is replaced.
        request = renewal_request(fresh.case.plan_year) if renewal else "rechecked"
        notices = [
            (
                agency,
                answers_notice(
                    case_id,
                    agency,
                    fresh,
                    self._kind,
                    request,
                    on,
                    _members(fresh) if agency == "usda" else [],
                ),
            )
            for agency in self.told
        ]
        outbox.enqueue_decision(
            session,
            case_id,
            notices,
            db_time(at),
            db_time(self._due()),
            named=None if renewal else recheck_request,
        )
