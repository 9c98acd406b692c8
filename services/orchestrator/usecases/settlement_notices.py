"""What the agencies are told when a data-matching issue is settled by rule.

A settlement can change answers as a reported change does (the attestation accepted, a
conditional answer ended, an answer redone on the return's figure), and HHS and USDA hold
enrollments and allotments of record built from the answers they were sent. So each
agency whose program's answer moved gets a change notice of kind ISSUE_SETTLED, written to
the outbox in the settlement's own transaction. An agency none of whose answers moved is
not told: there is nothing for it to change. SSA and Treasury run no program here.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from services.orchestrator.adapters import mapping, outbox
from services.orchestrator.adapters.repository import StoredCase
from services.orchestrator.adapters.tables import DeterminationRow
from services.orchestrator.domain import inconsistency_period as period
from services.orchestrator.domain.combine import HHS_PROGRAMS
from shared.protoconv import date_to_proto

KIND = le.LIFE_EVENT_KIND_ISSUE_SETTLED
_HHS = frozenset(det.Program.Name(p) for p in HHS_PROGRAMS)
_SNAP = det.Program.Name(det.PROGRAM_SNAP)


def _answers(rows: list[DeterminationRow]) -> dict[tuple[str, str], tuple[str, int]]:
    return {(r.person_id, r.program): (r.status, r.monthly_benefit_cents) for r in rows}


def agencies_told(before: list[DeterminationRow], after: list[DeterminationRow]) -> list[str]:
    """The agencies whose programs' answers the settlement moved (status or amount)."""
    was, now = _answers(before), _answers(after)
    moved = {key[1] for key in {*was, *now} if was.get(key) != now.get(key)}
    out = []
    if moved & _HHS:
        out.append("hhs")
    if _SNAP in moved:
        out.append("usda")
    return out


def request_id(settlements: list[period.Settlement]) -> str:
    """One key per settlement of a case's issues: an issue is settled once (its row goes in
    the same transaction), so the issues themselves name it."""
    named = sorted(
        f"{s.issue.person_id}|{s.issue.fact}|{s.issue.reason_code}|{s.issue.due_date}"
        for s in settlements
    )
    digest = hashlib.sha256("\n".join(named).encode()).hexdigest()[:20]
    return f"settled-{digest}"


def notice(
    case_id: str,
    agency: str,
    fresh: StoredCase,
    settlements: list[period.Settlement],
    on: dt.date,
) -> le.ChangeNotice:
    """The notice to HHS or USDA of a settlement: the settled issues' members first."""
    named: list[str] = []
    for s in settlements:
        if s.issue.person_id not in named:
            named.append(s.issue.person_id)
    return answers_notice(case_id, agency, fresh, KIND, request_id(settlements), on, named)


def answers_notice(
    case_id: str,
    agency: str,
    fresh: StoredCase,
    kind: int,
    request: str,
    on: dt.date,
    named: list[str],
) -> le.ChangeNotice:
    """The notice of one of the orchestrator's own redeterminations to HHS or USDA: the new
    answers for its programs, members by person id only (neither keys its records on SSNs):
    ``named`` first, then each member with an answer in the notice."""
    out = le.ChangeNotice(
        idempotency_key=outbox.idempotency_key(case_id, request, agency),
        case_id=case_id,
        kind=kind,
        effective_date=date_to_proto(on),
    )
    named = list(named)
    if agency == "hhs":
        persons: dict[str, det.PersonDetermination] = {}
        for row in fresh.determinations:
            if row.person_id and row.program in _HHS:
                person = persons.setdefault(
                    row.person_id, det.PersonDetermination(person_id=row.person_id)
                )
                person.programs.append(outbox.clipped_for_notice(mapping.program_of(row)))
        out.determinations.extend(persons.values())
        named += [p for p in persons if p not in named]
    if agency == "usda":
        out.household_determinations.extend(
            outbox.clipped_for_notice(mapping.program_of(r))
            for r in fresh.determinations
            if r.program == _SNAP and not r.person_id
        )
    out.subjects.extend(le.NoticeSubject(person_id=p) for p in named)
    return out
