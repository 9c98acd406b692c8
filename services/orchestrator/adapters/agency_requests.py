"""Build each agency's request from the household, with only the fields its purpose needs.

Treasury gets identities and a tax year, no address or attested income; HHS and USDA
get ages, amounts and the work rules' hours and exemptions, no SSNs, names or birth dates.
HHS gets incomes by kind and computes MAGI itself.
"""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import household_pb2
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as hhs_pb
from eligibility.ssa.v1 import identity_pb2 as ssa_pb
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from eligibility.usda.v1 import snap_eligibility_pb2 as usda_pb
from services.orchestrator.domain.answer_day import answer_day
from services.orchestrator.domain.consents import PURPOSE
from services.orchestrator.domain.household_facts import attested_monthly_split_cents
from services.orchestrator.domain.rating_day import RatingDays
from shared.protoconv import age_on, date_from_proto, date_to_proto

# The Marketplace verifies projected income against the latest return on file:
# during open enrollment for plan year N that is the return for tax year N - 2.
TAX_YEAR_LAG = 2


def identity_purpose(plan_year: int) -> str:
    return f"identity-verification-{plan_year}"


def ssa_request(
    members: list[household_pb2.Person], plan_year: int, case_id: str, request_id: str
) -> ssa_pb.VerifyIdentityRequest:
    return ssa_pb.VerifyIdentityRequest(
        request_id=f"{request_id}:ssa",
        people=[
            ssa_pb.IdentityQuery(
                person_id=m.person_id, ssn=m.ssn, name=m.name, birth_date=m.birth_date
            )
            for m in members
        ],
        purpose=identity_purpose(plan_year),
        case_id=case_id,
    )


def treasury_request(
    household: household_pb2.Household,
    filer_ids: list[str],
    plan_year: int,
    case_id: str,
    request_id: str,
    consent_proof: str,
) -> treasury_pb.VerifyHouseholdIncomeRequest:
    members = {m.person_id: m for m in household.members}
    filers = [
        treasury_pb.TaxFiler(
            person_id=pid,
            ssn=members[pid].ssn,
            name=members[pid].name,
            birth_date=members[pid].birth_date,
        )
        for pid in filer_ids
    ]
    return treasury_pb.VerifyHouseholdIncomeRequest(
        request_id=f"{request_id}:treasury",
        tax_year=plan_year - TAX_YEAR_LAG,
        filers=filers,
        purpose=PURPOSE,
        case_id=case_id,
        consent_proof=consent_proof,
    )


def hhs_request(
    household: household_pb2.Household,
    plan_year: int,
    benchmark_premium: household_pb2.BenchmarkPremiumQuote | None = None,
    holds_from: dt.date | None = None,
    rating: RatingDays | None = None,
) -> hhs_pb.DetermineEligibilityRequest:
    """Ages are taken on the day the answer starts to hold (see domain.answer_day):
    ``holds_from`` is when it is given or a change takes effect, moved into the plan year.
    An application during the year takes ages on its own day, one for a year not begun on
    1 January; a member who turns 19 in March is 19 from then, and stays 19 when the year
    is determined again. HHS is told the day (``determined_on``) and applies its rules of
    that day. None (the year as a whole, as the bench asks) takes ages on 1 January and
    leaves HHS its own day.

    The Marketplace rates the benchmark premium on the age at the start of each member's
    coverage for the year (domain.rating_day): ``rating`` gives those days when the case is
    determined again; a member whose age on their day differs is sent a ``premium_age``.
    None (a first answer) rates everyone on the answer's own day, where coverage begins."""
    ages_on = answer_day(plan_year, holds_from or dt.date(plan_year, 1, 1))
    members = []
    for m in household.members:
        born = date_from_proto(m.birth_date)
        # A child born after the day ages are taken (a baby born since the plan year of an
        # application for last year ended) is 0, not -1, which HHS refuses as it should.
        age = age_on(born, max(born, ages_on))
        premium_age = None
        if rating is not None:
            rated = age_on(born, max(born, min(rating.day_for(m.person_id), ages_on)))
            premium_age = rated if rated != age else None
        members.append(
            hhs_pb.EligibilityMember(
                person_id=m.person_id,
                age=age,
                premium_age=premium_age,
                pregnant=m.pregnant,
                expected_children=m.expected_children if m.pregnant else 0,
                citizenship=m.citizenship,
                incomes=m.incomes,
                disabled=m.disabled,
                applying=m.applying,
                offered_affordable_employer_coverage=m.offered_affordable_employer_coverage,
                work_activity=m.work_activity if m.HasField("work_activity") else None,
                monthly_earned_income_cents=attested_monthly_split_cents(m)[0],
            )
        )
    return hhs_pb.DetermineEligibilityRequest(
        plan_year=plan_year,
        # HHS then applies the rules of the day the ages were taken on, not of its own.
        determined_on=date_to_proto(ages_on) if holds_from is not None else None,
        state_code=household.address.state_code,
        county=household.address.county,
        zip_code=household.address.zip_code,
        benchmark_premium=benchmark_premium,
        members=members,
        relationships=household.relationships,
        tax_units=household.tax_units,
    )


def snap_request(
    household: household_pb2.Household, benefit_month: dt.date
) -> usda_pb.DetermineSnapEligibilityRequest:
    members = []
    for m in household.members:
        earned, unearned = attested_monthly_split_cents(m)
        born = date_from_proto(m.birth_date)
        members.append(
            usda_pb.SnapMember(
                person_id=m.person_id,
                # A baby born during the benefit month is in the household that month, aged 0
                # (not -1, as an age taken on the month's first day would make it).
                age=age_on(born, max(born, benefit_month)),
                disabled=m.disabled,
                monthly_earned_income_cents=earned,
                monthly_unearned_income_cents=unearned,
                work_activity=m.work_activity if m.HasField("work_activity") else None,
                pregnant=m.pregnant,
            )
        )
    expenses = household.expenses
    address = household.address
    return usda_pb.DetermineSnapEligibilityRequest(
        benefit_month=date_to_proto(benefit_month),
        state_code=address.state_code,
        county=address.county,
        alaska_allotment_area=address.alaska_allotment_area,
        utility_region=address.snap_utility_region,
        received_energy_assistance=expenses.received_energy_assistance,
        members=members,
        monthly_shelter_cents=expenses.monthly_shelter_cents,
        pays_heating_or_cooling=expenses.pays_heating_or_cooling,
        monthly_dependent_care_cents=expenses.monthly_dependent_care_cents,
        monthly_medical_cents=expenses.monthly_medical_cents,
        monthly_child_support_paid_cents=expenses.monthly_child_support_paid_cents,
    )
