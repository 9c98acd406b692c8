"""A case's standing over time: HHS's enrollment periods, grouped by person and program,
read for an appeal (a caseworker) or an audit (a supervisor or auditor)."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from eligibility.common.v1 import date_pb2
from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.console.web import ProblemRaised, call, render, session_of, signed_in

# HHS's largest page (services/hhs/period_reads.py): a household's history fits it many
# times over.
PAGE_SIZE = 1000


def purpose_for(role: str) -> int:
    """What the signed-in person looks back for: the one purpose their role may declare,
    an audit for a supervisor (who may declare both) as for an auditor."""
    return pb.LOOK_BACK_PURPOSE_APPEAL if role == "caseworker" else pb.LOOK_BACK_PURPOSE_AUDIT


def _day(text: str) -> date_pb2.Date | None:
    """The date box's value; anything else is sent as no day at all rather than refused
    here, since the browser's date input gives nothing else."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def by_person(
    periods: list[pb.CaseEnrollmentPeriod],
) -> list[tuple[str, list[tuple[int, list[pb.CaseEnrollmentPeriod]]]]]:
    """Periods as HHS lists them (by person, program and first day), grouped twice."""
    return [
        (person, [(program, list(rows)) for program, rows in groupby(held, lambda p: p.program)])
        for person, held in groupby(periods, lambda p: p.person_id)
    ]


@signed_in
async def history(request: Request) -> Response:
    case_id = request.path_params["case_id"]
    as_of = request.query_params.get("as_of", "").strip()
    message = pb.ListCaseEnrollmentPeriodsRequest(
        case_id=case_id, purpose=purpose_for(session_of(request).role or ""), page_size=PAGE_SIZE
    )
    day = _day(as_of) if as_of else None
    if day is not None:
        message.as_of.CopyFrom(day)
    problem, groups, more = None, [], False
    try:
        reply = await call(request, "ListCaseEnrollmentPeriods", message, "reading the history")
        groups, more = by_person(list(reply.periods)), bool(reply.next_page_token)
    except ProblemRaised as raised:
        if raised.problem.sign_in_again:
            raise
        problem = raised.problem
    return render(
        request,
        "history.html",
        status=problem.http_status if problem else 200,
        case_id=case_id,
        as_of=as_of if day is not None else "",
        purpose=pb.LookBackPurpose.Name(message.purpose).removeprefix("LOOK_BACK_PURPOSE_").lower(),
        groups=groups,
        more=more,
        problem=problem,
        csr_levels=det.CsrLevel,
    )


def routes() -> list[Route]:
    return [Route("/cases/{case_id}/history", history)]
