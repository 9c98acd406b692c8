"""USDA's gRPC face for SNAP: validate, decide with the rules, answer."""

from __future__ import annotations

import datetime as dt

import grpc
import structlog

from eligibility.usda.v1 import snap_eligibility_pb2 as pb
from eligibility.usda.v1 import snap_eligibility_pb2_grpc as pb_grpc
from services.usda.allotments import apply_change
from services.usda.mapping import facts_from_request, response_from
from services.usda.rules import (
    FiguresUnavailable,
    determine,
    fiscal_year,
    loaded_fiscal_years,
    utility_regions,
)
from services.usda.tables import AUDIT, UsdaReceivedChange
from shared import work_activity
from shared.change_desk import ChangeDesk
from shared.clock import Clock
from shared.db import Database
from shared.errors import FieldViolation, ServiceError, invalid_argument
from shared.limits import MAX_HOUSEHOLD_MEMBERS
from shared.parameters import ParameterSet
from shared.protoconv import is_date_set
from shared.validation import check_date, check_state

log = structlog.get_logger("usda")

MAX_MEMBERS = MAX_HOUSEHOLD_MEMBERS
MAX_AGE = 130
_EXPENSE_FIELDS = (
    "monthly_shelter_cents",
    "monthly_dependent_care_cents",
    "monthly_medical_cents",
    "monthly_child_support_paid_cents",
)


def _check_members(request: pb.DetermineSnapEligibilityRequest, out: list[FieldViolation]) -> None:
    if not request.members:
        out.append(FieldViolation("members", "at least one member is required"))
    if len(request.members) > MAX_MEMBERS:
        out.append(FieldViolation("members", f"at most {MAX_MEMBERS} members per household"))
    seen: set[str] = set()
    for i, member in enumerate(request.members):
        path = f"members[{i}]"
        if not member.person_id:
            out.append(FieldViolation(f"{path}.person_id", "is required"))
        elif member.person_id in seen:
            out.append(FieldViolation(f"{path}.person_id", "appears twice in the household"))
        seen.add(member.person_id)
        if not 0 <= member.age <= MAX_AGE:
            out.append(FieldViolation(f"{path}.age", f"must be between 0 and {MAX_AGE}"))
        for name in (
            "monthly_earned_income_cents",
            "monthly_unearned_income_cents",
            "monthly_self_employment_gross_cents",
            "monthly_self_employment_costs_cents",
        ):
            if getattr(member, name) < 0:
                out.append(FieldViolation(f"{path}.{name}", "must not be negative"))
        work_activity.check(member.work_activity, f"{path}.work_activity", out)


def _check_regions(
    request: pb.DetermineSnapEligibilityRequest,
    params: ParameterSet,
    month: dt.date | None,
    out: list[FieldViolation],
) -> None:
    if request.alaska_allotment_area and request.state_code != "AK":
        out.append(FieldViolation("alaska_allotment_area", "is for Alaska households only"))
    if not request.utility_region:
        return
    known = utility_regions(params, request.state_code, month) if month else set()
    if request.utility_region not in known:
        allowed = ", ".join(sorted(known)) or "none (the state has one utility allowance)"
        out.append(
            FieldViolation("utility_region", f"is not a utility region of the state: {allowed}")
        )


def validated_month(
    request: pb.DetermineSnapEligibilityRequest, params: ParameterSet, clock: Clock
) -> dt.date:
    """The benefit month (the current month when unset), or every problem at once; a good
    request for a month whose fiscal year is not loaded is FAILED_PRECONDITION, as the
    month is a fine argument that this service cannot answer for yet."""
    violations: list[FieldViolation] = []
    month: dt.date | None = clock.now().date()
    if is_date_set(request.benefit_month):
        month = check_date(request.benefit_month, "benefit_month", violations)
    check_state(request.state_code, "state_code", violations)
    _check_members(request, violations)
    _check_regions(request, params, month, violations)
    for name in _EXPENSE_FIELDS:
        if getattr(request, name) < 0:
            violations.append(FieldViolation(name, "must not be negative"))
    if violations or month is None:
        raise invalid_argument(violations)
    loaded = loaded_fiscal_years(params)
    if fiscal_year(month) not in loaded:
        raise ServiceError(
            grpc.StatusCode.FAILED_PRECONDITION,
            "SNAP_FIGURES_NOT_LOADED",
            f"benefit_month falls in FY{fiscal_year(month)}; SNAP figures are loaded for "
            f"FY{loaded[0]} to FY{loaded[-1]}",
            metadata={"fiscal_year": str(fiscal_year(month))},
        )
    return month.replace(day=1)


def figures_not_loaded(error: FiguresUnavailable) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.FAILED_PRECONDITION,
        "SNAP_FIGURES_NOT_LOADED",
        f"this household needs a figure that is not loaded: {error}",
        metadata={
            "parameter": error.parameter,
            "region": error.region,
            "fiscal_year": str(error.fiscal_year),
        },
    )


class SnapEligibilityServicer(pb_grpc.SnapEligibilityServiceServicer):
    def __init__(
        self, params: ParameterSet, clock: Clock, db: Database, subject_key: bytes
    ) -> None:
        self._params = params
        self._clock = clock
        self._desk = ChangeDesk(
            "usda", db, clock, subject_key, UsdaReceivedChange, AUDIT, apply_change
        )

    async def ReceiveChange(
        self, request: pb.ReceiveChangeRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReceiveChangeResponse:
        ack = await self._desk.receive(request.request_id, request.notice, request.purpose)
        return pb.ReceiveChangeResponse(acknowledgement=ack)

    async def DetermineSnapEligibility(
        self, request: pb.DetermineSnapEligibilityRequest, context: grpc.aio.ServicerContext
    ) -> pb.DetermineSnapEligibilityResponse:
        month = validated_month(request, self._params, self._clock)
        try:
            result = determine(facts_from_request(request, month), self._params)
        except FiguresUnavailable as error:
            raise figures_not_loaded(error) from error
        log.info(
            "snap determined",
            fiscal_year=result.fiscal_year,
            household_size=result.household_size,
            eligible=result.eligible,
            categorically_eligible=result.categorically_eligible,
        )
        return response_from(result)
