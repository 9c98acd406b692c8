"""What-if: sweep one member's annual income and ask the rule owners at each step, so a
caseworker can see where a raise loses more in benefits than it brings (a cliff).

Hypothetical: no agency record is read, nothing is stored, no identifier leaves here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TypeVar

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.adapters import agency_requests
from services.orchestrator.adapters.agencies import AgencyGateway, SourceUnavailable
from services.orchestrator.adapters.refusal import declined_text
from services.orchestrator.domain import evidence as ev
from services.orchestrator.domain.combine import combine, wants_hhs
from services.orchestrator.domain.intake import normalise_state_code, validate_application
from shared.errors import FieldViolation

T = TypeVar("T")

MAX_STEPS = 200
# Each step answers every applying member (about 1.3 KB each with its reasons): this many
# per sweep keep the answer near 1.5 MB, inside the 4 MiB a client accepts, whatever the
# household's size.
MAX_PERSON_STEPS = 1_000
# Steps asked at once: enough to use both agencies, few enough not to crowd out real work.
CONCURRENCY = 8


def _check(request: pb.SimulateIncomeSweepRequest, today: dt.date) -> list[int]:
    found: list[FieldViolation] = []
    if request.person_id not in {m.person_id for m in request.household.members}:
        found.append(FieldViolation("person_id", "is not a member of the household"))
    if request.from_annual_cents < 0:
        found.append(FieldViolation("from_annual_cents", "cannot be negative"))
    if request.to_annual_cents < request.from_annual_cents:
        found.append(FieldViolation("to_annual_cents", "must not be below from_annual_cents"))
    if request.step_cents <= 0:
        found.append(FieldViolation("step_cents", "must be positive"))
    steps: list[int] = []
    if not found:
        span = request.to_annual_cents - request.from_annual_cents
        count = span // request.step_cents + 1
        applying = max(1, sum(m.applying for m in request.household.members))
        if count > MAX_STEPS:
            found.append(FieldViolation("step_cents", f"gives more than {MAX_STEPS} steps"))
        elif count * applying > MAX_PERSON_STEPS:
            found.append(
                FieldViolation(
                    "step_cents",
                    f"gives {count} steps for {applying} applying members; steps times "
                    f"applying members must be at most {MAX_PERSON_STEPS}",
                )
            )
        else:
            steps = list(
                range(request.from_annual_cents, request.to_annual_cents + 1, request.step_cents)
            )
    application = pb.SubmitApplicationRequest(
        request_id="what-if",
        household=request.household,
        programs=request.programs,
        plan_year=request.plan_year,
    )
    validate_application(application, today, found)
    return steps


async def _ask(call: Awaitable[T], declined: dict[str, str]) -> T | None:
    try:
        return await call
    except SourceUnavailable as error:
        if error.declined:
            declined[error.agency] = declined_text(error.agency, error.reason, error.code)
        return None


async def sweep(
    request: pb.SimulateIncomeSweepRequest,
    agencies: AgencyGateway,
    today: dt.date,
    budget: Callable[[], float],
) -> list[pb.SweepStep]:
    normalise_state_code(request.household)
    amounts = _check(request, today)
    plan_year = request.plan_year or today.year
    programs = list(request.programs)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(amount: int) -> pb.SweepStep:
        household = household_pb2.Household()
        household.CopyFrom(request.household)
        member = next(m for m in household.members if m.person_id == request.person_id)
        del member.incomes[:]
        member.incomes.add(kind=household_pb2.INCOME_KIND_WAGES, annual_amount_cents=amount)
        declined: dict[str, str] = {}
        async with gate:
            hhs = snap = None
            # An agency that cannot answer leaves its programs pending at this step.
            if wants_hhs(programs):
                hhs = await _ask(
                    agencies.determine_subsidies(
                        agency_requests.hhs_request(household, plan_year, None, today), budget()
                    ),
                    declined,
                )
            if det.PROGRAM_SNAP in programs:
                snap = await _ask(
                    agencies.determine_snap(
                        agency_requests.snap_request(household, today.replace(day=1)), budget()
                    ),
                    declined,
                )
        combined = combine(
            household,
            programs,
            {m.person_id: ev.ATTESTED for m in household.members},
            list(hhs.determinations) if hhs is not None else None,
            snap.determination if snap is not None else None,
            declined,
        )
        return pb.SweepStep(
            annual_income_cents=amount,
            determinations=combined.persons,
            household_determinations=combined.household,
        )

    return list(await asyncio.gather(*(one(a) for a in amounts)))
