"""A person: who saw their data (the disclosure report) and their consents, with revocation.

The SSN that finds the person travels in POST bodies only, never in a URL, so it is in
no access log and no browser history.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.console.problems import Problem
from services.console.web import ProblemRaised, call, form_dict, render, signed_in


async def _records(request: Request, ssn: str) -> tuple[list, list, Problem | None]:
    try:
        consents = await call(request, "ListConsents", pb.ListConsentsRequest(ssn=ssn))
        report = await call(request, "GetDisclosureReport", pb.GetDisclosureReportRequest(ssn=ssn))
    except ProblemRaised as raised:
        if raised.problem.sign_in_again:
            raise
        return [], [], raised.problem
    return list(consents.consents), list(report.disclosures), None


@signed_in
async def person(request: Request) -> Response:
    ssn, consents, disclosures, problem, notice = "", [], [], None, ""
    looked_up = False
    if request.method == "POST":
        values = form_dict(await request.form())
        ssn = values.get("ssn", "").replace("-", "").replace(" ", "")
        if values.get("action") == "revoke":
            try:
                reply = await call(
                    request,
                    "RevokeConsent",
                    pb.RevokeConsentRequest(
                        request_id=values.get("request_id") or str(uuid.uuid4()),
                        consent_id=values.get("consent_id", ""),
                        reason=values.get("reason", "").strip()
                        or "revoked at the person's request",
                    ),
                    "revoking consents",
                )
                notice = f"Consent {reply.consent.consent_id} is revoked."
            except ProblemRaised as raised:
                if raised.problem.sign_in_again:
                    raise
                problem = raised.problem
        consents, disclosures, lookup_problem = await _records(request, ssn)
        problem = problem or lookup_problem
        looked_up = lookup_problem is None
    return render(
        request,
        "person.html",
        status=problem.http_status if problem else 200,
        ssn=ssn,
        consents=consents,
        disclosures=disclosures,
        problem=problem,
        notice=notice,
        looked_up=looked_up,
        new_request_id=str(uuid.uuid4()),
    )


def routes() -> list[Route]:
    return [Route("/people", person, methods=["GET", "POST"])]
