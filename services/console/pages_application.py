"""A new application: the household builder, sent whole to SubmitApplication."""

from __future__ import annotations

import datetime as dt
import uuid

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.console import household_form, labels
from services.console.problems import unreadable
from services.console.web import ProblemRaised, call, form_dict, render, signed_in

EXTRA_FIELDS = ["programs", "plan_year", "consent_treasury", "request_id"]


def _defaults() -> dict[str, str]:
    return {
        "member_count": "1",
        "household.members[0].person_id": "p1",
        "household.members[0].applying": "on",
        "household.members[0].citizenship": "citizen",
        "household.members[0].incomes[0].kind": "wages",
        "household.tax_units[0].filing_status": "single",
        "plan_year": str(dt.date.today().year + 1),
        "request_id": str(uuid.uuid4()),
    }


def _form_page(
    request: Request, values: dict[str, str], programs: list[str], **extra: object
) -> Response:
    count = household_form.member_count(values)
    return render(
        request,
        "application.html",
        status=int(extra.pop("status", 200)),  # type: ignore[call-overload]
        values=values,
        programs=programs,
        count=count,
        errors=extra.pop("errors", {}),
        loose=extra.pop("loose", []),
        problem=extra.pop("problem", None),
        focus=extra.pop("focus", ""),
    )


@signed_in
async def new_application(request: Request) -> Response:
    return _form_page(request, _defaults(), ["medicaid", "chip", "marketplace", "snap"])


@signed_in
async def submit_application(request: Request) -> Response:
    form = await request.form()
    values = form_dict(form)
    programs = [str(p) for p in form.getlist("programs")]
    action = values.get("action", "submit")
    count = household_form.member_count(values)
    if action == "add" and count < household_form.MAX_MEMBERS:
        # A new person: their own id, applying by default, focus on their first field.
        values["member_count"] = str(count + 1)
        values[household_form.member_path(count, "person_id")] = f"p{count + 1}"
        values[household_form.member_path(count, "applying")] = "on"
        values[household_form.member_path(count, "citizenship")] = "citizen"
        focus = household_form.member_path(count, "name.given")
        return _form_page(request, values, programs, focus=focus)
    if action.startswith("remove:"):
        _remove_member(values, household_form.whole_number(action.split(":", 1)[1]), count)
        return _form_page(request, values, programs, focus="household.members[0].name.given")
    built = household_form.build(values)
    consents = []
    if values.get("consent_treasury") == "on":
        consents = [
            pb.ConsentGrant(person_id=filer, agencies=["treasury"], facts=["income"])
            for filer in built.filer_ids
        ]
    plan_year = household_form.whole_number(values.get("plan_year") or "0")
    message = pb.SubmitApplicationRequest(
        request_id=values.get("request_id", ""),
        household=built.household,
        programs=[labels.PROGRAM_KEYS[p] for p in programs if p in labels.PROGRAM_KEYS],
        plan_year=plan_year,
        consents=consents,
    )
    try:
        if built.unreadable:
            raise ProblemRaised(unreadable(built.unreadable))
        reply = await call(request, "SubmitApplication", message, "new applications")
    except ProblemRaised as raised:
        if raised.problem.sign_in_again:
            raise
        aliases = dict(built.aliases)
        aliases.update(
            {"programs": "programs", "household.members": "household.members[0].name.given"}
        )
        aliases.update({f"consents[{i}]": "consent_treasury" for i in range(len(consents))})
        fields = household_form.all_fields(count, EXTRA_FIELDS)
        errors, loose = household_form.place_violations(raised.problem.violations, aliases, fields)
        return _form_page(
            request,
            values,
            programs,
            status=raised.problem.http_status,
            problem=raised.problem,
            errors=errors,
            loose=loose,
        )
    return RedirectResponse(f"/cases/{reply.case.case_id}?submitted=1", status_code=303)


def _remove_member(values: dict[str, str], index: int, count: int) -> None:
    """Drop one person and move the later ones up, keeping their answers."""
    if count <= 1 or not 0 < index < count:
        return
    for i in range(index, count):
        prefix_from = f"household.members[{i + 1}]."
        prefix_to = f"household.members[{i}]."
        for key in [k for k in values if k.startswith(prefix_to)]:
            del values[key]
        for key in [k for k in values if k.startswith(prefix_from)]:
            values[prefix_to + key[len(prefix_from) :]] = values.pop(key)
    values["member_count"] = str(count - 1)


def routes() -> list[Route]:
    return [
        Route("/applications/new", new_application),
        Route("/applications", submit_application, methods=["POST"]),
    ]
