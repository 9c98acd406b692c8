"""HHS subsidy rules in one call: ``determine(facts, parameters, benchmarks)``.

Pure and in-process (no gRPC, no database), so the service, the tests and the bench all run
the same code. Medicaid and CHIP are decided per applying person first; the Marketplace
(APTC and CSR) then per tax unit, only for those not eligible for Medicaid or CHIP.
"""

from __future__ import annotations

from pathlib import Path

from services.hhs import community_engagement, income, marketplace, medicaid
from services.hhs.benchmarks import BenchmarkSource
from services.hhs.facts import HouseholdFacts
from services.hhs.households import kinship
from services.hhs.results import (
    Determination,
    HouseholdFigures,
    PersonResult,
    ProgramResult,
    Purpose,
    Reason,
)
from shared.parameters import ParameterSet

PARAMETERS_DIR = Path(__file__).parent / "parameters"


def load_parameters(directory: Path = PARAMETERS_DIR) -> ParameterSet:
    return ParameterSet.load(directory)


# Households are listed by purpose name; reading an enum's value costs a call per row.
_PURPOSE_ORDER = {purpose: purpose.value for purpose in Purpose}


def determine(
    facts: HouseholdFacts, parameters: ParameterSet, benchmarks: BenchmarkSource
) -> Determination:
    facts, incomes = income.resolve(facts)
    kin = kinship(facts)
    applying = [m for m in facts.members if m.applying]
    medicaid_results: dict[str, ProgramResult] = {}
    chip_results: dict[str, ProgramResult] = {}
    households: list[HouseholdFigures] = []
    for member in applying:
        outcome = medicaid.determine(facts, kin, parameters, member)
        medicaid_results[member.person_id] = community_engagement.apply(
            outcome.medicaid, facts, kin, parameters, member
        )
        chip_results[member.person_id] = outcome.chip
        households.append(
            HouseholdFigures(
                purpose=Purpose.MEDICAID,
                members=outcome.household.members,
                size=outcome.household.size,
                magi_cents=outcome.household.magi_cents,
                poverty_line_cents=outcome.line.cents,
                poverty_guideline_year=outcome.line.guideline_year,
                percent_of_poverty_line=outcome.percent,
                person_id=member.person_id,
            )
        )
    market: dict[str, ProgramResult] = {}
    for unit in facts.tax_units:
        if not any(facts.member(pid).applying for pid in unit.members):
            continue
        unit_outcome = marketplace.determine_unit(
            facts, parameters, unit, benchmarks, medicaid_results, chip_results
        )
        market.update(unit_outcome.results)
        households.append(unit_outcome.figures)
    for member in applying:
        if member.person_id not in market:
            market[member.person_id] = marketplace.no_tax_unit(
                member,
                medicaid_results[member.person_id],
                chip_results[member.person_id],
                parameters,
                facts.plan_year,
            )
    # A ready-made MAGI (deprecated) has no computation to show.
    magi_reasons = {i.person_id: income.reason(i) for i in incomes if i.magi is not None}
    persons = tuple(
        PersonResult(
            m.person_id,
            (
                _with_reason(medicaid_results[m.person_id], magi_reasons.get(m.person_id)),
                chip_results[m.person_id],
                _with_reason(market[m.person_id], magi_reasons.get(m.person_id)),
            ),
        )
        for m in applying
    )
    households.sort(key=lambda h: (_PURPOSE_ORDER[h.purpose], h.tax_unit_id, h.person_id))
    return Determination(persons, tuple(households), incomes)


def _with_reason(result: ProgramResult, reason: Reason | None) -> ProgramResult:
    """The person's own MAGI, shown last under the programs decided on it."""
    if reason is None:
        return result
    return ProgramResult(
        result.program,
        result.status,
        (*result.reasons, reason),
        result.monthly_benefit_cents,
        result.csr_level,
    )
