"""What-if: one member's income swept across a range, drawn as a benefit-cliff chart."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.console import household_form, labels, sweep_chart
from services.console.problems import unreadable
from services.console.web import ProblemRaised, call, form_dict, render, signed_in
from shared.errors import FieldViolation

SWEEP_FIELDS = [
    "person_id",
    "from_annual_cents",
    "to_annual_cents",
    "step_cents",
    "plan_year",
    "programs",
]


def _defaults() -> dict[str, str]:
    values = dict(household_form.SAMPLE)
    values.update(
        {
            "person_id": "p1",
            "from_annual_cents": "0",
            "to_annual_cents": "60000",
            "step_cents": "2500",
            "plan_year": str(dt.date.today().year + 1),
        }
    )
    return values


def _cents(values: dict[str, str], name: str, built: household_form.Built) -> int:
    value = household_form.dollars_to_cents(values.get(name, ""))
    if value is None and values.get(name, "").strip():
        built.unreadable.append(FieldViolation(name, household_form.UNREADABLE_AMOUNT))
    # Nothing typed: a value the server refuses, with its own words.
    return -1 if value is None else value


async def _sweep(
    request: Request, values: dict[str, str], programs: list[str]
) -> tuple[list[sweep_chart.Row], object, dict, list]:
    built = household_form.build(values)
    plan_year = household_form.whole_number(values.get("plan_year") or "0")
    message = pb.SimulateIncomeSweepRequest(
        household=built.household,
        programs=[labels.PROGRAM_KEYS[p] for p in programs if p in labels.PROGRAM_KEYS],
        plan_year=plan_year,
        person_id=values.get("person_id", "").strip(),
        from_annual_cents=_cents(values, "from_annual_cents", built),
        to_annual_cents=_cents(values, "to_annual_cents", built),
        step_cents=_cents(values, "step_cents", built),
    )
    try:
        if built.unreadable:
            raise ProblemRaised(unreadable(built.unreadable))
        reply = await call(request, "SimulateIncomeSweep", message, "what-if sweeps")
    except ProblemRaised as raised:
        if raised.problem.sign_in_again:
            raise
        fields = household_form.all_fields(household_form.member_count(values), SWEEP_FIELDS)
        aliases = dict(built.aliases)
        aliases["household.members"] = "household.members[0].name.given"
        errors, loose = household_form.place_violations(raised.problem.violations, aliases, fields)
        return [], raised.problem, errors, loose
    return sweep_chart.rows_of(reply), None, {}, []


@signed_in
async def what_if(request: Request) -> Response:
    if request.method == "GET":
        values = _defaults()
        programs = ["medicaid", "chip", "marketplace", "snap"]
        rows, problem, errors, loose = [], None, {}, []
    else:
        form = await request.form()
        values = form_dict(form)
        programs = [str(p) for p in form.getlist("programs")]
        action = values.get("action", "run")
        count = household_form.member_count(values)
        rows, problem, errors, loose = [], None, {}, []
        if action == "add" and count < household_form.MAX_MEMBERS:
            values["member_count"] = str(count + 1)
            values[household_form.member_path(count, "person_id")] = f"p{count + 1}"
            values[household_form.member_path(count, "applying")] = "on"
            values[household_form.member_path(count, "citizenship")] = "citizen"
        else:
            rows, problem, errors, loose = await _sweep(request, values, programs)
            if rows and action == "csv":
                return Response(
                    sweep_chart.csv_text(rows),
                    media_type="text/csv; charset=utf-8",
                    headers={
                        "Content-Disposition": 'attachment; filename="what-if.csv"',
                        "Cache-Control": "no-store",
                    },
                )
    return render(
        request,
        "whatif.html",
        status=problem.http_status if problem else 200,
        values=values,
        programs=programs,
        count=household_form.member_count(values),
        rows=rows,
        cliffs=sweep_chart.cliffs(rows),
        chart=sweep_chart.svg(rows),
        columns=sweep_chart.status_columns(rows),
        pending=sweep_chart.pending_reasons(rows),
        problem=problem,
        errors=errors,
        loose=loose,
        focus="",
    )


def routes() -> list[Route]:
    return [Route("/what-if", what_if, methods=["GET", "POST"])]
