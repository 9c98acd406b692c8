"""Cases: the list, one case (live), its explanation, its burden figures, a life event."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import grpc
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2, life_event_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.console import household_form, labels
from services.console.problems import problem_of
from services.console.web import (
    ProblemRaised,
    call,
    form_dict,
    orchestrator,
    render,
    session_of,
    signed_in,
)
from shared.ordered_ids import shaped_like_ordered_id

PAGE_SIZE = 20


def _matches(case: pb.Case, query: str) -> bool:
    q = query.lower()
    words = [case.case_id, labels.case_status(case.status)]
    words += [labels.program(p) for p in case.programs]
    # Lists carry no personal data: no names to search by.
    words.append(case.household.address.state_code)
    return any(q in w.lower() for w in words)


@signed_in
async def cases(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()
    token = request.query_params.get("page_token", "")
    # A case id goes straight to its case. Only text shaped like one is asked about: for a
    # caseworker any id not theirs is refused alike, existing or not (the orchestrator
    # says the same either way), so words searched for would be refused, and audited.
    if shaped_like_ordered_id(query.lower()):
        query = query.lower()
        try:
            found = await call(request, "GetCase", pb.GetCaseRequest(case_id=query))
            return RedirectResponse(f"/cases/{found.case.case_id}", status_code=303)
        except ProblemRaised as raised:
            if raised.problem.code not in ("NOT_FOUND", "INVALID_ARGUMENT"):
                raise
    reply = await call(
        request, "ListCases", pb.ListCasesRequest(page_size=PAGE_SIZE, page_token=token)
    )
    shown = [c for c in reply.cases if not query or _matches(c, query)]
    return render(
        request,
        "cases.html",
        cases=shown,
        total_on_page=len(reply.cases),
        query=query,
        next_token=reply.next_page_token,
        first_page=not token,
    )


async def _case(request: Request) -> pb.Case:
    case_id = request.path_params["case_id"]
    return (await call(request, "GetCase", pb.GetCaseRequest(case_id=case_id))).case


def _grid(case: pb.Case) -> dict[str, object]:
    """People down, programs across, each cell the answer and its decisive reason."""
    asked = set(case.programs)
    programs = [
        p
        for p in labels.PERSON_PROGRAMS
        if any(q.program == p for d in case.determinations for q in d.programs)
    ]
    names = {m.person_id: f"{m.name.given} {m.name.family}".strip() for m in case.household.members}
    rows = []
    for person in case.determinations:
        by_program = {p.program: p for p in person.programs}
        rows.append(
            (
                person.person_id,
                names.get(person.person_id, ""),
                [by_program.get(p) for p in programs],
            )
        )
    return {
        "programs": programs,
        "rows": rows,
        "asked": asked,
        "names": names,
        "offered": offered(case, names),
    }


_MAY_QUALIFY = (det.DETERMINATION_STATUS_ELIGIBLE, det.DETERMINATION_STATUS_CONDITIONAL)


def offered(case: pb.Case, names: dict[str, str]) -> list[tuple[int, list[str]]]:
    """Each program offered after a change, with who may qualify: a person-level program's
    answers are in the case (assessed with the case's own HHS programs); SNAP's household
    answer for an offer is not kept, so it names no one."""
    out = []
    for program in case.offered_programs:
        who = [
            names.get(d.person_id) or d.person_id
            for d in case.determinations
            for p in d.programs
            if p.program == program and p.status in _MAY_QUALIFY
        ]
        out.append((program, who))
    return out


@signed_in
async def case_page(request: Request) -> Response:
    case = await _case(request)
    return render(request, "case.html", case=case, **_grid(case))


@signed_in
async def case_body(request: Request) -> Response:
    case = await _case(request)
    return render(request, "_case_body.html", case=case, **_grid(case))


@signed_in
async def case_events(request: Request) -> Response:
    """WatchCase as server-sent events: 'update' for each change; 'unavailable' (and the
    end of the stream) when the orchestrator cannot stream, so the page polls instead;
    'signedout' (and the end) once the sign-in that opened it has ended or expired."""
    session = session_of(request)
    codec = request.app.state.codec
    client = orchestrator(request)
    case_id = request.path_params["case_id"]
    # Whatever a client sends as the last id seen; anything unreadable means from the start.
    after = max(0, household_form.whole_number(request.headers.get("last-event-id") or "0", 0))

    async def events() -> AsyncIterator[str]:
        stream = client.stream(
            "WatchCase",
            pb.WatchCaseRequest(case_id=case_id, after_sequence=after),
            session.caseworker or "",
            session.role or "",
        )
        try:
            # The stream was admitted with the sign-in as it was: it ends when the sign-in
            # expires, and tells nothing more once it has been signed out.
            async with asyncio.timeout(max(0.0, codec.seconds_left(session))):
                async for update in stream:
                    if not codec.in_force(session):
                        break
                    kind = pb.CaseEventKind.Name(update.event.kind)
                    kind = kind.removeprefix("CASE_EVENT_KIND_")
                    yield f"id: {update.sequence}\nevent: update\ndata: {json.dumps(kind)}\n\n"
        except TimeoutError:
            pass
        except grpc.aio.AioRpcError as error:
            problem = problem_of(error, client.target, "live updates")
            payload = json.dumps({"title": problem.title, "message": problem.message})
            yield f"event: unavailable\ndata: {payload}\n\n"
        finally:
            stream.cancel()
        if not codec.in_force(session):
            yield "event: signedout\ndata: {}\n\n"

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


@signed_in
async def explain(request: Request) -> Response:
    case = await _case(request)
    return render(request, "explain.html", case=case, **_grid(case))


@signed_in
async def burden(request: Request) -> Response:
    case_id = request.query_params.get("case_id", "").strip()
    problem = None
    report = None
    try:
        # The report over every case is for supervisors and auditors: a caseworker who
        # opens the page from the menu gets the form, not a refusal of a question not asked.
        if case_id or session_of(request).role != "caseworker":
            reply = await call(
                request, "GetBurdenReport", pb.GetBurdenReportRequest(case_id=case_id)
            )
            report = reply.report
    except ProblemRaised as raised:
        if raised.problem.sign_in_again:
            raise
        problem = raised.problem
    return render(
        request,
        "burden.html",
        status=problem.http_status if problem else 200,
        report=report,
        case_id=case_id,
        problem=problem,
    )


LIFE_EVENT_KINDS = {
    "income_change": life_event_pb2.LIFE_EVENT_KIND_INCOME_CHANGE,
    "move": life_event_pb2.LIFE_EVENT_KIND_MOVE,
    "birth": life_event_pb2.LIFE_EVENT_KIND_BIRTH,
    "adoption": life_event_pb2.LIFE_EVENT_KIND_ADOPTION,
    "pregnancy": life_event_pb2.LIFE_EVENT_KIND_PREGNANCY,
    "marriage": life_event_pb2.LIFE_EVENT_KIND_MARRIAGE,
    "divorce": life_event_pb2.LIFE_EVENT_KIND_DIVORCE,
    "separation": life_event_pb2.LIFE_EVENT_KIND_SEPARATION,
    "death": life_event_pb2.LIFE_EVENT_KIND_DEATH,
    "age_milestone": life_event_pb2.LIFE_EVENT_KIND_AGE_MILESTONE,
}
LIFE_EVENT_LABELS = {
    "income_change": "Income changed",
    "move": "Moved",
    "birth": "A child was born",
    "adoption": "A child was adopted or placed",
    "pregnancy": "Pregnancy",
    "marriage": "Marriage",
    "divorce": "Divorce",
    "separation": "Separation",
    "death": "Death",
    "age_milestone": "Reached an age that matters (19, 26 or 65)",
}
LIFE_EVENT_FIELDS = [
    "event.kind",
    "event.effective_date",
    "event.person_id",
    "event.incomes[0].annual_amount_cents",
    "event.new_address.line1",
    "event.new_address.city",
    "event.new_address.state_code",
    "event.new_address.county",
    "event.new_address.zip_code",
    "event.new_member.person_id",
    "event.new_member.name.given",
    "event.new_member.name.family",
    "event.new_member.ssn",
    "event.new_member.birth_date",
    "event.spouse_person_id",
    "event.departing_person_ids",
    "event.expected_children",
    "event.age_reached",
]


def _life_event(values: dict[str, str]) -> life_event_pb2.LifeEvent:
    """Only the fields the kind reads are set: the contract wants the others unset."""
    key = values.get("event.kind", "")
    kind = LIFE_EVENT_KINDS.get(key, 0)
    event = life_event_pb2.LifeEvent(kind=kind)
    effective = household_form._date(values.get("event.effective_date", ""))
    event.effective_date.CopyFrom(effective)
    if key not in ("birth", "adoption", "move"):
        event.person_id = values.get("event.person_id", "").strip()
    if key == "income_change":
        cents = household_form.dollars_to_cents(
            values.get("event.incomes[0].annual_amount_cents", "")
        )
        if cents:
            event.incomes.add(kind=household_pb2.INCOME_KIND_WAGES, annual_amount_cents=cents)
    if key == "move":
        for name in ("line1", "city", "state_code", "county", "zip_code"):
            setattr(event.new_address, name, values.get(f"event.new_address.{name}", "").strip())
    if key in ("birth", "adoption") or (
        key == "marriage" and values.get("event.new_member.person_id")
    ):
        member = event.new_member
        member.person_id = values.get("event.new_member.person_id", "").strip()
        member.name.given = values.get("event.new_member.name.given", "").strip()
        member.name.family = values.get("event.new_member.name.family", "").strip()
        member.ssn = values.get("event.new_member.ssn", "").replace("-", "").strip()
        member.birth_date.CopyFrom(
            household_form._date(values.get("event.new_member.birth_date", ""))
        )
        member.citizenship = household_pb2.CITIZENSHIP_STATUS_CITIZEN
        member.applying = True
    if key == "marriage" and values.get("event.spouse_person_id"):
        event.spouse_person_id = values["event.spouse_person_id"].strip()
    if key in ("divorce", "separation"):
        event.departing_person_ids.extend(
            p.strip() for p in values.get("event.departing_person_ids", "").split(",") if p.strip()
        )
    if key == "pregnancy":
        event.expected_children = household_form.whole_number(
            values.get("event.expected_children") or "1"
        )
    if key == "age_milestone":
        event.age_reached = household_form.whole_number(values.get("event.age_reached") or "0")
    return event


@signed_in
async def life_event(request: Request) -> Response:
    case = await _case(request)
    values: dict[str, str] = {"request_id": str(uuid.uuid4()), "event.kind": "income_change"}
    problem = None
    errors: dict[str, list[str]] = {}
    loose = []
    result = None
    status = 200
    if request.method == "POST":
        values = form_dict(await request.form())
        message = pb.ReportLifeEventRequest(
            request_id=values.get("request_id", ""),
            case_id=case.case_id,
            event=_life_event(values),
        )
        try:
            result = await call(request, "ReportLifeEvent", message, "reporting a life event")
        except ProblemRaised as raised:
            if raised.problem.sign_in_again:
                raise
            problem = raised.problem
            status = problem.http_status
            errors, loose = household_form.place_violations(
                problem.violations, {}, set(LIFE_EVENT_FIELDS) | {"request_id"}
            )
    return render(
        request,
        "life_event.html",
        status=status,
        case=case,
        values=values,
        problem=problem,
        errors=errors,
        loose=loose,
        result=result,
        kinds=LIFE_EVENT_LABELS,
    )


def routes() -> list[Route]:
    return [
        Route("/cases", cases),
        Route("/cases/{case_id}", case_page),
        Route("/cases/{case_id}/body", case_body),
        Route("/cases/{case_id}/events", case_events),
        Route("/cases/{case_id}/explain", explain),
        Route("/cases/{case_id}/life-event", life_event, methods=["GET", "POST"]),
        Route("/burden", burden),
    ]
