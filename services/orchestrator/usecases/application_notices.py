"""What HHS and USDA are told when a new case is stored (SubmitApplication).

Both hold enrollments and allotments of record built from the answers the orchestrator
sends them. Were only changes told, a person found eligible who never reports one would
hold nothing at either agency, and HHS's standing over time would begin at the first
change. So the application's own save writes one notice of kind APPLIED per agency that
runs a program the case has (HHS: Medicaid, CHIP, Marketplace; USDA: SNAP), carrying the
case's answers, effective on the day they hold from (domain/answer_day.py).

The notices are the case's first decision: revision 1, set on the case row as it is
inserted, so every later decision of the case (next_revision) comes after it. A case is
stored once per (caller, request_id), and the notices are inserted with it (an insert
refused as a duplicate writes nothing), so a replayed application writes none. A new case
is told once, so its key needs no more than ``<case>:applied:<agency>``.
"""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import life_event_pb2 as le
from services.orchestrator.adapters import mapping, outbox
from services.orchestrator.adapters.repository import StoredCase
from services.orchestrator.adapters.tables import OutboxRow
from services.orchestrator.domain.answer_day import answer_day
from services.orchestrator.usecases.settlement_notices import agencies_told, answers_notice

APPLIED = le.LIFE_EVENT_KIND_APPLIED
REQUEST = "applied"
# A new case's notices are its first decision.
FIRST_REVISION = 1


def first_notices(stored: StoredCase, on: dt.date) -> list[tuple[str, le.ChangeNotice]]:
    """(agency, notice) for each agency running one of the new case's programs, and number
    the case's first decision on its row (before the row is inserted). ``on`` is the day
    the application was determined; the notices take effect on its answer day."""
    case_id = stored.case.case_id
    # Every answer is news to an agency that held nothing for the case.
    agencies = agencies_told([], stored.determinations)
    if not agencies:
        return []
    effective = answer_day(stored.case.plan_year, on)
    members = _members(stored)
    notices = []
    for agency in agencies:
        notice = answers_notice(
            case_id,
            agency,
            stored,
            APPLIED,
            REQUEST,
            effective,
            # SNAP's answer is the household's: USDA is told of every member.
            members if agency == "usda" else [],
        )
        notice.revision = FIRST_REVISION
        notices.append((agency, notice))
    mapping.revise(stored.case, notice_revision=FIRST_REVISION)
    return notices


def outbox_rows(
    notices: list[tuple[str, le.ChangeNotice]], now: dt.datetime, due: dt.datetime
) -> list[OutboxRow]:
    """The notices as outbox rows, inserted with the case's other rows (repository.save_new)
    and shown, pending, in the answer to the application."""
    return [
        mapping.new_row(OutboxRow, **outbox.row_values(agency, notice, now, due))
        for agency, notice in notices
    ]


def _members(stored: StoredCase) -> list[str]:
    return [m.person_id for m in mapping.household_of(stored)]
