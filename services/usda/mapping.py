"""Protobuf <-> SNAP rules: requests become facts, determinations become responses."""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2 as hh
from eligibility.usda.v1 import snap_eligibility_pb2 as pb
from services.usda.rules import Determination, Expenses, Member, Reason, SnapFacts
from shared import work_activity

_AREAS = {
    hh.ALASKA_ALLOTMENT_AREA_URBAN: "urban",
    hh.ALASKA_ALLOTMENT_AREA_RURAL_1: "rural_1",
    hh.ALASKA_ALLOTMENT_AREA_RURAL_2: "rural_2",
}
_AREA_ENUMS = {area: number for number, area in _AREAS.items()}


def facts_from_request(
    request: pb.DetermineSnapEligibilityRequest, benefit_month: dt.date
) -> SnapFacts:
    return SnapFacts(
        benefit_month=benefit_month,
        state_code=request.state_code,
        members=tuple(
            Member(
                person_id=m.person_id,
                age=m.age,
                disabled=m.disabled,
                earned_cents=m.monthly_earned_income_cents,
                unearned_cents=m.monthly_unearned_income_cents,
                self_employment_gross_cents=m.monthly_self_employment_gross_cents,
                self_employment_costs_cents=m.monthly_self_employment_costs_cents,
                work_activity=work_activity.from_proto(
                    m.work_activity, m.HasField("work_activity")
                ),
                pregnant=m.pregnant,
            )
            for m in request.members
        ),
        expenses=Expenses(
            shelter_cents=request.monthly_shelter_cents,
            pays_heating_or_cooling=request.pays_heating_or_cooling,
            dependent_care_cents=request.monthly_dependent_care_cents,
            medical_cents=request.monthly_medical_cents,
            child_support_paid_cents=request.monthly_child_support_paid_cents,
            homeless=request.homeless,
            received_energy_assistance=request.received_energy_assistance,
        ),
        alaska_area=_AREAS.get(request.alaska_allotment_area, "")
        if request.state_code == "AK"
        else "",
        utility_region=request.utility_region,
        county=request.county,
    )


def _reason(out: det.Reason, reason: Reason) -> None:
    out.code = reason.code
    out.message = reason.message
    out.citation = reason.citation
    if reason.figures:
        out.figures.update(reason.figures)


def response_from(result: Determination) -> pb.DetermineSnapEligibilityResponse:
    # Built in place, each part added where it belongs: a message handed to its parent's
    # constructor is copied, and so are all its parts, once per level of nesting.
    response = pb.DetermineSnapEligibilityResponse(
        gross_monthly_income_cents=result.gross_income_cents,
        net_monthly_income_cents=result.net_income_cents,
        household_size=result.household_size,
        fiscal_year=result.fiscal_year,
        categorically_eligible=result.categorically_eligible,
        alaska_allotment_area=_AREA_ENUMS.get(result.alaska_area, 0),  # type: ignore[arg-type]
        utility_region=result.utility_region,
    )
    determination = response.determination
    determination.program = det.PROGRAM_SNAP
    determination.status = (
        det.DETERMINATION_STATUS_ELIGIBLE
        if result.eligible
        else det.DETERMINATION_STATUS_INELIGIBLE
    )
    determination.monthly_benefit_cents = result.allotment_cents
    reasons = determination.reasons
    for r in result.reasons:
        _reason(reasons.add(), r)
    for t in result.time_limits:
        limit = response.time_limits.add(
            person_id=t.person_id,
            limited=t.limited,
            countable_months_remaining=t.remaining,
            required_monthly_hours=t.required_hours,
            excluded=t.excluded,
        )
        _reason(limit.reason, t.reason)
    return response
