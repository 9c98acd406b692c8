"""Change notices for real cases, written to the outbox as ReportLifeEvent writes them:
a case is opened with SubmitApplication, and each notice names its members by SSN and
carries the case's answers for the receiving agency's programs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlmodel import select

from eligibility.common.v1 import date_pb2, life_event_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from services.hhs.tables import Enrollment
from services.orchestrator.adapters import outbox
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import OutboxRow
from services.orchestrator.usecases.dispatch import Dispatcher
from services.usda.tables import SnapAllotment
from shared.db import Database

AGENCIES = ("treasury", "ssa", "hhs", "usda")
_HHS_PROGRAMS = {det.PROGRAM_MEDICAID, det.PROGRAM_CHIP, det.PROGRAM_MARKETPLACE}


def application(stem: str, request_id: str) -> pb.SubmitApplicationRequest:
    request = load_request(next(p for p in example_paths() if stem in p.name), request_id)
    request.plan_year = 2026  # a year with published benchmark premiums
    return request


async def open_case(stub: Any, stem: str, request_id: str) -> tuple[pb.Case, list[tuple[str, str]]]:
    """A case for an example household, and its members as (person_id, SSN)."""
    request = application(stem, request_id)
    case = (await stub.SubmitApplication(request, timeout=60)).case
    return case, [(m.person_id, m.ssn) for m in request.household.members]


def notice(
    case: pb.Case,
    members: list[tuple[str, str]],
    agency: str,
    change: str,
    kind: int = life_event_pb2.LIFE_EVENT_KIND_INCOME_CHANGE,
) -> life_event_pb2.ChangeNotice:
    """The notice of ``change`` (a ReportLifeEvent request_id) to ``agency``."""
    out = life_event_pb2.ChangeNotice(
        idempotency_key=outbox.idempotency_key(case.case_id, change, agency),
        case_id=case.case_id,
        kind=kind,
        effective_date=date_pb2.Date(year=2026, month=11, day=1),
        subjects=[life_event_pb2.NoticeSubject(person_id=p, ssn=s) for p, s in members],
    )
    if agency == "hhs":
        for person in case.determinations:
            mine = [_answer(p) for p in person.programs if p.program in _HHS_PROGRAMS]
            if mine:
                out.determinations.add(person_id=person.person_id, programs=mine)
    if agency == "usda":
        out.household_determinations.extend(
            _answer(p) for p in case.household_determinations if p.program == det.PROGRAM_SNAP
        )
    return out


def _answer(program: det.ProgramDetermination) -> det.ProgramDetermination:
    """The answer without its reasons: an agency takes texts of at most 256 characters
    (shared/limits.py), and a reason's message with its figures can be longer."""
    bare = det.ProgramDetermination()
    bare.CopyFrom(program)
    del bare.reasons[:]
    return bare


def enqueue(db: Database, notices: Iterable[tuple[str, life_event_pb2.ChangeNotice]], now) -> int:  # type: ignore[no-untyped-def]
    """Write (agency, notice) pairs to the outbox in one transaction; returns how many."""
    pairs = list(notices)
    with db.session() as session:
        for agency, one in pairs:
            outbox.enqueue(session, agency, one, now)
    return len(pairs)


def every_agency(
    case: pb.Case, members: list[tuple[str, str]], changes: Iterable[str]
) -> list[tuple[str, life_event_pb2.ChangeNotice]]:
    return [
        (agency, notice(case, members, agency, change)) for change in changes for agency in AGENCIES
    ]


def dispatcher(coordination: Any, clock: Any, name: str = "d1", **options: Any) -> Dispatcher:
    """The orchestrator's dispatcher over the test's servers, as the server builds it (the
    service's clock, leases on real time unless ``leases=`` says otherwise)."""
    options.setdefault("changed", coordination.changed)
    return Dispatcher(
        options.pop("db", None) or coordination.orchestrator_db,
        coordination.gateway,
        clock,
        Subjects(coordination.keys.subject_key()),
        name,
        budget_seconds=3.0,
        **options,
    )


Answers = dict[str, set[tuple[str, str, str, int]]]


def case_answers(case: pb.Case) -> Answers:
    """The case's answers as each agency is told them, (person, program, status, amount);
    SNAP is the household's (no person)."""
    hhs = {
        (
            d.person_id,
            det.Program.Name(p.program),
            det.DeterminationStatus.Name(p.status),
            p.monthly_benefit_cents,
        )
        for d in case.determinations
        for p in d.programs
        if p.program in _HHS_PROGRAMS
    }
    usda = {
        ("", "PROGRAM_SNAP", det.DeterminationStatus.Name(p.status), p.monthly_benefit_cents)
        for p in case.household_determinations
        if p.program == det.PROGRAM_SNAP
    }
    return {"hhs": hhs, "usda": usda}


def agency_answers(coordination: Any, case_id: str) -> Answers:
    """What HHS and USDA hold for the case, in their own databases: HHS's enrollments that
    stand (not those ended when a decision left their member out of the case)."""
    with coordination.databases["hhs"].session() as session:
        hhs = {
            (r.person_id, "PROGRAM_" + r.program, "DETERMINATION_STATUS_" + r.status)
            + (r.monthly_benefit_cents,)
            for r in session.exec(select(Enrollment).where(Enrollment.case_id == case_id))
            if r.ended_on is None
        }
    with coordination.databases["usda"].session() as session:
        usda = {
            ("", "PROGRAM_SNAP", "DETERMINATION_STATUS_" + r.status, r.monthly_allotment_cents)
            for r in session.exec(select(SnapAllotment).where(SnapAllotment.case_id == case_id))
        }
    return {"hhs": hhs, "usda": usda}


async def get_case(coordination: Any, case_id: str) -> pb.Case:
    return (await coordination.orchestrator.GetCase(pb.GetCaseRequest(case_id=case_id))).case


async def deliver_applications(coordination: Any, clock: Any) -> int:
    """Send the notices new cases wrote when they were stored (APPLIED, due in real time as
    the server's dispatcher sees them), so the notices a test writes next are first in
    line at each agency; returns how many were acknowledged."""
    sender = dispatcher(coordination, clock, "applications", changed=None)
    acknowledged = 0
    for _ in range(5):
        done = await sender.run_once()
        acknowledged += done.acknowledged
        if not done.claimed:
            break
    return acknowledged


def forget_received(coordination: Any) -> None:
    """Clear what the agencies' recorders kept: a test then sees only what it sends."""
    for recorder in coordination.recorders.values():
        recorder.requests.clear()
        recorder.calls.clear()


async def dispatch_all(dispatcher: Dispatcher) -> None:
    """Dispatcher rounds until one finds nothing to send (at most five)."""
    for _ in range(5):
        if not (await dispatcher.run_once()).claimed:
            return


def written(coordination: Any, case_id: str) -> list[tuple[str, str, int, str, str]]:
    """Each notice of the case as written to the outbox, in order: (agency, kind, revision,
    effective day, idempotency key)."""
    with coordination.orchestrator_db.session() as session:
        rows = session.exec(
            select(OutboxRow).where(OutboxRow.case_id == case_id).order_by(OutboxRow.id)
        ).all()
    out = []
    for row in rows:
        notice = life_event_pb2.ChangeNotice.FromString(row.notice)
        day = notice.effective_date
        when = dt.date(day.year, day.month, day.day).isoformat()
        kind = row.kind.removeprefix("LIFE_EVENT_KIND_")
        out.append((row.agency, kind, notice.revision, when, notice.idempotency_key))
    return out
