"""Protobuf <-> HHS domain, both ways. Run only on requests that passed validation."""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2 as hh
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as pb
from services.hhs.facts import (
    Citizenship,
    FilingStatus,
    HouseholdFacts,
    Member,
    QuotedBenchmark,
    Relation,
    Relationship,
    TaxUnit,
)
from services.hhs.income import MemberIncome
from services.hhs.results import (
    Basis,
    Determination,
    HouseholdFigures,
    Program,
    Purpose,
    Status,
)
from shared import work_activity
from shared.magi_parts import income_parts

CITIZENSHIP = {
    hh.CITIZENSHIP_STATUS_CITIZEN: Citizenship.CITIZEN,
    hh.CITIZENSHIP_STATUS_LAWFULLY_PRESENT: Citizenship.LAWFULLY_PRESENT,
    hh.CITIZENSHIP_STATUS_NOT_LAWFULLY_PRESENT: Citizenship.NOT_LAWFULLY_PRESENT,
}
RELATION = {
    hh.RELATIONSHIP_KIND_SPOUSE: Relation.SPOUSE,
    hh.RELATIONSHIP_KIND_CHILD: Relation.CHILD,
    hh.RELATIONSHIP_KIND_PARENT: Relation.PARENT,
    hh.RELATIONSHIP_KIND_SIBLING: Relation.SIBLING,
    hh.RELATIONSHIP_KIND_OTHER_RELATIVE: Relation.OTHER_RELATIVE,
    hh.RELATIONSHIP_KIND_UNRELATED: Relation.UNRELATED,
}
FILING = {
    hh.FILING_STATUS_SINGLE: FilingStatus.SINGLE,
    hh.FILING_STATUS_MARRIED_FILING_JOINTLY: FilingStatus.MARRIED_FILING_JOINTLY,
    hh.FILING_STATUS_MARRIED_FILING_SEPARATELY: FilingStatus.MARRIED_FILING_SEPARATELY,
    hh.FILING_STATUS_HEAD_OF_HOUSEHOLD: FilingStatus.HEAD_OF_HOUSEHOLD,
    hh.FILING_STATUS_QUALIFYING_SURVIVING_SPOUSE: FilingStatus.QUALIFYING_SURVIVING_SPOUSE,
}
PROGRAM = {
    Program.MEDICAID: det.PROGRAM_MEDICAID,
    Program.CHIP: det.PROGRAM_CHIP,
    Program.MARKETPLACE: det.PROGRAM_MARKETPLACE,
}
STATUS = {
    Status.ELIGIBLE: det.DETERMINATION_STATUS_ELIGIBLE,
    Status.INELIGIBLE: det.DETERMINATION_STATUS_INELIGIBLE,
    Status.PENDING_VERIFICATION: det.DETERMINATION_STATUS_PENDING_VERIFICATION,
    Status.REFERRED: det.DETERMINATION_STATUS_REFERRED,
}
CSR = {0: det.CSR_LEVEL_NONE, 73: det.CSR_LEVEL_73, 87: det.CSR_LEVEL_87, 94: det.CSR_LEVEL_94}
BASIS = {
    Basis.NONE: pb.BENCHMARK_BASIS_UNSPECIFIED,
    Basis.PUBLISHED: pb.BENCHMARK_BASIS_PUBLISHED,
    Basis.CALLER_SUPPLIED: pb.BENCHMARK_BASIS_CALLER_SUPPLIED,
    Basis.ESTIMATE: pb.BENCHMARK_BASIS_ESTIMATE,
}
PURPOSE = {
    Purpose.MARKETPLACE: pb.HOUSEHOLD_PURPOSE_MARKETPLACE,
    Purpose.MEDICAID: pb.HOUSEHOLD_PURPOSE_MEDICAID,
}


def determined_on(request: pb.DetermineEligibilityRequest, today: dt.date) -> dt.date:
    """The day the caller says the answer holds from (validated to fall in the plan year),
    on which it took the ages it sends; else the day HHS answers."""
    if request.HasField("determined_on"):
        day = request.determined_on
        return dt.date(day.year, day.month, day.day)
    return today


def to_facts(request: pb.DetermineEligibilityRequest, today: dt.date) -> HouseholdFacts:
    return HouseholdFacts(
        plan_year=request.plan_year,
        state_code=request.state_code,
        county=request.county,
        members=tuple(
            Member(
                person_id=m.person_id,
                age=m.age,
                pregnant=m.pregnant,
                expected_children=m.expected_children,
                # Only non-applying members may leave citizenship unset; it is not read for them.
                citizenship=CITIZENSHIP.get(m.citizenship, Citizenship.CITIZEN),
                annual_magi_cents=m.annual_magi_cents,
                applying=m.applying,
                offered_affordable_employer_coverage=m.offered_affordable_employer_coverage,
                employer_self_only_monthly_premium_cents=m.employer_self_only_monthly_premium_cents,
                medicaid_barred_by_immigration_status=m.medicaid_barred_by_immigration_status,
                disabled=m.disabled,
                incomes=income_parts(m.incomes) if m.incomes else None,
                work_activity=work_activity.from_proto(
                    m.work_activity, m.HasField("work_activity")
                ),
                monthly_earned_income_cents=m.monthly_earned_income_cents,
                premium_age=m.premium_age if m.HasField("premium_age") else None,
            )
            for m in request.members
        ),
        relationships=tuple(
            Relationship(r.person_id, r.related_person_id, RELATION[r.kind])
            for r in request.relationships
        ),
        tax_units=tuple(
            TaxUnit(
                u.tax_unit_id,
                FILING[u.filing_status],
                tuple(u.filer_person_ids),
                tuple(u.dependent_person_ids),
            )
            for u in request.tax_units
        ),
        determined_on=determined_on(request, today),
        zip_code=request.zip_code,
        quoted_benchmark=_quote(request),
    )


def _quote(request: pb.DetermineEligibilityRequest) -> QuotedBenchmark | None:
    if not request.HasField("benchmark_premium"):
        return None
    quote = request.benchmark_premium
    return QuotedBenchmark(quote.monthly_premium_cents, quote.age, quote.source.strip())


def _household(out: pb.HouseholdFigures, figures: HouseholdFigures) -> None:
    out.tax_unit_id = figures.tax_unit_id
    out.household_size = figures.size
    out.household_magi_cents = figures.magi_cents
    out.poverty_line_cents = figures.poverty_line_cents
    out.percent_of_poverty_line = round(float(figures.percent_of_poverty_line), 2)
    out.purpose = PURPOSE[figures.purpose]
    out.person_id = figures.person_id
    out.member_person_ids.extend(figures.members)
    out.poverty_guideline_year = figures.poverty_guideline_year
    out.coverage_person_ids.extend(figures.coverage_person_ids)
    out.benchmark_monthly_premium_cents = figures.benchmark_monthly_premium_cents
    out.applicable_percentage = round(float(figures.applicable_percentage), 2)
    out.expected_monthly_contribution_cents = figures.expected_monthly_contribution_cents
    out.monthly_aptc_cents = figures.monthly_aptc_cents
    out.benchmark_basis = BASIS[figures.benchmark_basis]
    out.rating_area = figures.rating_area
    out.benchmark_source = figures.benchmark_source


def _member_magi(out: pb.MemberMagi, income: MemberIncome) -> None:
    out.person_id = income.person_id
    out.magi_cents = income.magi_cents
    out.tax_dependent = income.tax_dependent
    out.computed_from_incomes = income.magi is not None
    if income.magi is not None:
        f = income.magi.figures
        out.wages_cents = int(f["wages_cents"])
        out.self_employment_net_profit_cents = int(f["self_employment_net_profit_cents"])
        out.self_employment_tax_cents = income.magi.self_employment_tax_cents
        out.self_employment_tax_deduction_cents = income.magi.self_employment_deduction_cents
        out.social_security_wage_base_cents = income.magi.wage_base_cents
        out.social_security_wage_base_year = income.magi.wage_base_year
        out.social_security_benefits_cents = int(f["social_security_benefits_cents"])
        out.unemployment_cents = int(f["unemployment_cents"])
        out.tax_exempt_interest_cents = int(f["tax_exempt_interest_cents"])
        out.other_income_cents = int(f["other_income_cents"])
        out.citation = income.magi.citation
    if income.filing is not None and income.tax_dependent:
        out.required_to_file = income.filing.required
        out.filing_threshold_cents = income.filing.threshold_cents
        out.citation = f"{out.citation}; {income.filing.citation}"


def to_response(determination: Determination) -> pb.DetermineEligibilityResponse:
    # Built in place, each part added where it belongs: a message handed to its parent's
    # constructor is copied, and so are all its parts, once per level of nesting.
    response = pb.DetermineEligibilityResponse()
    for person in determination.persons:
        programs = response.determinations.add(person_id=person.person_id).programs
        for result in person.programs:
            out = programs.add(
                program=PROGRAM[result.program],
                status=STATUS[result.status],
                monthly_benefit_cents=result.monthly_benefit_cents,
            )
            reasons = out.reasons
            for r in result.reasons:
                reason = reasons.add(code=r.code, message=r.message, citation=r.citation)
                if r.figures:
                    reason.figures.update(r.figures)
            if result.program is Program.MARKETPLACE:
                out.csr_level = CSR[result.csr_level]
    for household in determination.households:
        _household(response.households.add(), household)
    for income in determination.incomes:
        _member_magi(response.member_magi.add(), income)
    return response
