"""Intake: an application is checked whole, and refused whole with every problem listed.

Nothing is stored and no agency is called for an application that fails here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from eligibility.common.v1 import determination_pb2, household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.domain.answer_day import answer_day
from shared import work_activity
from shared.errors import FieldViolation, invalid_argument
from shared.limits import MAX_EXPECTED_CHILDREN, MAX_HOUSEHOLD_MEMBERS
from shared.protoconv import age_on
from shared.validation import (
    check_benchmark_quote,
    check_date,
    check_name,
    check_ssn,
    check_state,
)

MAX_MEMBERS = MAX_HOUSEHOLD_MEMBERS
MAX_REQUEST_ID = 128
# Under 19 a child is someone's dependent for MAGI purposes (42 CFR 435.603(f)(3)(iv)).
DEPENDENT_AGE_LIMIT = 19
_FILERS_BY_STATUS = {
    household_pb2.FILING_STATUS_SINGLE: 1,
    household_pb2.FILING_STATUS_MARRIED_FILING_JOINTLY: 2,
    household_pb2.FILING_STATUS_MARRIED_FILING_SEPARATELY: 1,
    household_pb2.FILING_STATUS_HEAD_OF_HOUSEHOLD: 1,
    household_pb2.FILING_STATUS_QUALIFYING_SURVIVING_SPOUSE: 1,
}
# Income kinds that cannot be negative; only a business can lose money.
_NON_NEGATIVE_INCOME = frozenset(
    k for k in household_pb2.IncomeKind.values() if k != household_pb2.INCOME_KIND_SELF_EMPLOYMENT
)


def plan_year_for(request: pb.SubmitApplicationRequest, today: dt.date) -> int:
    return request.plan_year or today.year


def normalise_state_code(household: household_pb2.Household) -> None:
    """ "tx" and " TX" mean TX: stored, compared and sent on in the USPS form."""
    household.address.state_code = household.address.state_code.strip().upper()


def validate_application(
    request: pb.SubmitApplicationRequest,
    today: dt.date,
    found: list[FieldViolation] | None = None,
    *,
    holds_from: dt.date | None = None,
) -> None:
    """Raise INVALID_ARGUMENT with one violation per problem (including any already
    ``found`` by other checks), or return quietly.

    Ages are taken as HHS will be told them: on the day the answer starts to hold
    (domain.answer_day), ``holds_from`` when given (a change taking effect later), else
    today."""
    out: list[FieldViolation] = list(found or [])
    if not request.request_id.strip():
        out.append(FieldViolation("request_id", "is required (a UUID is best)"))
    elif len(request.request_id) > MAX_REQUEST_ID:
        out.append(FieldViolation("request_id", f"must be at most {MAX_REQUEST_ID} characters"))
    plan_year = plan_year_for(request, today)
    ages_on = None
    if today.year - 1 <= plan_year <= today.year + 1:
        ages_on = answer_day(plan_year, holds_from or today)
    else:
        out.append(
            FieldViolation("plan_year", f"must be between {today.year - 1} and {today.year + 1}")
        )
    _check_programs(request, out)
    _check_household(request.household, ages_on, today, out)
    if request.HasField("benchmark_premium"):
        check_benchmark_quote(request.benchmark_premium, "benchmark_premium", out)
    if out:
        raise invalid_argument(
            out, f"the application has {len(out)} problem(s); nothing was stored"
        )


def _check_programs(request: pb.SubmitApplicationRequest, out: list[FieldViolation]) -> None:
    if not request.programs:
        out.append(FieldViolation("programs", "name at least one program"))
    for i, program in enumerate(request.programs):
        if program not in determination_pb2.Program.values() or program == 0:
            out.append(FieldViolation(f"programs[{i}]", "is not a known program"))
    duplicates = [p for p, n in Counter(request.programs).items() if n > 1]
    if duplicates:
        out.append(FieldViolation("programs", "names a program more than once"))


def _check_household(
    household: household_pb2.Household,
    ages_on: dt.date | None,
    today: dt.date,
    out: list[FieldViolation],
) -> None:
    """``ages_on`` is None when the plan year is refused: ages are then unknown."""
    members = household.members
    if not members:
        out.append(FieldViolation("household.members", "at least one member is required"))
    if len(members) > MAX_MEMBERS:
        out.append(FieldViolation("household.members", f"at most {MAX_MEMBERS} members"))
        return  # each member is checked only in a household of a size we take
    uses = Counter(m.person_id for m in members)
    known = set(uses)
    ages: dict[str, int] = {}
    seen_ssn: dict[str, int] = {}
    for i, member in enumerate(members):
        path = f"household.members[{i}]"
        if not member.person_id:
            out.append(FieldViolation(f"{path}.person_id", "is required"))
        elif uses[member.person_id] > 1:
            out.append(FieldViolation(f"{path}.person_id", "is used by more than one member"))
        check_ssn(member.ssn, f"{path}.ssn", out)
        if member.ssn in seen_ssn:
            out.append(FieldViolation(f"{path}.ssn", f"repeats members[{seen_ssn[member.ssn]}]"))
        seen_ssn.setdefault(member.ssn, i)
        check_name(member.name, f"{path}.name", out)
        birth = check_date(member.birth_date, f"{path}.birth_date", out, not_after=today)
        if birth is not None and ages_on is not None:
            ages[member.person_id] = age_on(birth, max(birth, ages_on))
        if member.citizenship == household_pb2.CITIZENSHIP_STATUS_UNSPECIFIED:
            out.append(FieldViolation(f"{path}.citizenship", "is required"))
        work_activity.check(member.work_activity, f"{path}.work_activity", out)
        if not 0 <= member.expected_children <= MAX_EXPECTED_CHILDREN:
            out.append(
                FieldViolation(
                    f"{path}.expected_children", f"must be from 0 to {MAX_EXPECTED_CHILDREN}"
                )
            )
        _check_ended_facts(member, path, out)
        for j, income in enumerate(member.incomes):
            ipath = f"{path}.incomes[{j}]"
            if income.kind == household_pb2.INCOME_KIND_UNSPECIFIED:
                out.append(FieldViolation(f"{ipath}.kind", "is required"))
            if income.kind in _NON_NEGATIVE_INCOME and income.annual_amount_cents < 0:
                kind = household_pb2.IncomeKind.Name(income.kind).removeprefix("INCOME_KIND_")
                out.append(
                    FieldViolation(
                        f"{ipath}.annual_amount_cents",
                        f"{kind.lower()} cannot be negative (only self-employment can be a loss)",
                    )
                )
    if members and not any(m.applying for m in members):
        out.append(FieldViolation("household.members", "at least one member must be applying"))
    _check_relationships(household, known, out)
    _check_tax_units(household, known, ages, out)
    _check_address(household.address, out)
    _check_expenses(household.expenses, out)


def _check_ended_facts(member: household_pb2.Person, path: str, out: list[FieldViolation]) -> None:
    ended = set(member.ended_facts)
    if household_pb2.CARRIED_FACT_UNSPECIFIED in ended:
        out.append(FieldViolation(f"{path}.ended_facts", "names no fact"))
    for marker, attr in (
        (household_pb2.CARRIED_FACT_PREGNANCY, "pregnant"),
        (household_pb2.CARRIED_FACT_DISABILITY, "disabled"),
    ):
        if marker in ended and getattr(member, attr):
            out.append(
                FieldViolation(f"{path}.ended_facts", f"says {attr} ended, but {attr} is true")
            )


def _check_relationships(
    household: household_pb2.Household, known: set[str], out: list[FieldViolation]
) -> None:
    for i, rel in enumerate(household.relationships):
        path = f"household.relationships[{i}]"
        for name in ("person_id", "related_person_id"):
            if getattr(rel, name) not in known:
                out.append(FieldViolation(f"{path}.{name}", "is not a member of the household"))
        if rel.person_id == rel.related_person_id:
            out.append(FieldViolation(path, "relates a person to themself"))
        if rel.kind == household_pb2.RELATIONSHIP_KIND_UNSPECIFIED:
            out.append(FieldViolation(f"{path}.kind", "is required"))


def _check_tax_units(
    household: household_pb2.Household,
    known: set[str],
    ages: dict[str, int],
    out: list[FieldViolation],
) -> None:
    placed: dict[str, str] = {}
    for i, unit in enumerate(household.tax_units):
        path = f"household.tax_units[{i}]"
        wanted = _FILERS_BY_STATUS.get(unit.filing_status)
        if wanted is None:
            out.append(FieldViolation(f"{path}.filing_status", "is required"))
        elif len(unit.filer_person_ids) != wanted:
            out.append(
                FieldViolation(
                    f"{path}.filer_person_ids",
                    f"{household_pb2.FilingStatus.Name(unit.filing_status)} needs {wanted} filer(s)",
                )
            )
        for field, ids in (
            ("filer_person_ids", unit.filer_person_ids),
            ("dependent_person_ids", unit.dependent_person_ids),
        ):
            for j, pid in enumerate(ids):
                if pid not in known:
                    out.append(
                        FieldViolation(f"{path}.{field}[{j}]", "is not a member of the household")
                    )
                elif pid in placed:
                    out.append(
                        FieldViolation(f"{path}.{field}[{j}]", f"is already in {placed[pid]}")
                    )
                else:
                    placed[pid] = path
    # A child must be claimed somewhere: the tax unit decides whose household income counts.
    for i, member in enumerate(household.members):
        age = ages.get(member.person_id)
        if age is not None and age < DEPENDENT_AGE_LIMIT and member.person_id not in placed:
            out.append(
                FieldViolation(
                    f"household.members[{i}]",
                    "is a dependent (under 19) but is in no tax unit",
                )
            )


def _check_address(address: household_pb2.Address, out: list[FieldViolation]) -> None:
    check_state(address.state_code, "household.address.state_code", out)
    if not address.county.strip():
        out.append(FieldViolation("household.address.county", "is required"))
    # SNAP's Alaska allotment area and a state's utility region belong to that state;
    # USDA checks the region code itself.
    if address.alaska_allotment_area and address.state_code != "AK":
        out.append(FieldViolation("household.address.alaska_allotment_area", "is for Alaska only"))
    region = address.snap_utility_region
    if region and not region.startswith(f"{address.state_code}_"):
        out.append(
            FieldViolation(
                "household.address.snap_utility_region",
                "must be a region of the address's state (for example AK_SC)",
            )
        )


def _check_expenses(expenses: household_pb2.HouseholdExpenses, out: list[FieldViolation]) -> None:
    for name in (
        "monthly_shelter_cents",
        "monthly_dependent_care_cents",
        "monthly_medical_cents",
        "monthly_child_support_paid_cents",
    ):
        if getattr(expenses, name) < 0:
            out.append(FieldViolation(f"household.expenses.{name}", "cannot be negative"))
