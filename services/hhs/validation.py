"""Request checks for DetermineEligibility: every problem becomes one field violation."""

from __future__ import annotations

import datetime as dt
import functools

import grpc

from eligibility.common.v1 import household_pb2 as hh
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as pb
from services.hhs import poverty
from services.hhs.mapping import FILING, RELATION, determined_on
from shared import work_activity
from shared.errors import FieldViolation, ServiceError, invalid_argument
from shared.limits import MAX_EXPECTED_CHILDREN, MAX_HOUSEHOLD_MEMBERS
from shared.parameters import ParameterError, ParameterSet
from shared.validation import check_benchmark_quote, check_date, check_state

MAX_MEMBERS = MAX_HOUSEHOLD_MEMBERS
MAX_AGE = 130
# A sanity bound on one person's annual MAGI (cents): a billion dollars either way.
MAX_ABS_MAGI_CENTS = 100_000_000_000
MARKETPLACE_PARAMETERS = (
    "hhs.aca.applicable_percentage",
    "hhs.aca.income_limits",
    "hhs.aca.required_contribution_percentage",
    "hhs.aca.csr_bands",
    "hhs.aca.age_curve",
    "hhs.aca.state_age_curves",
)
MEDICAID_PARAMETERS = (
    "hhs.medicaid.expansion",
    "hhs.medicaid.income_limits",
    "hhs.chip.income_limits",
    "hhs.medicaid.community_engagement",
)
# The enums' numbers, read once: ``values()`` builds a new list at every call.
_CITIZENSHIP_NUMBERS = frozenset(hh.CitizenshipStatus.values())
_INCOME_KINDS = frozenset(hh.IncomeKind.values()) - {hh.INCOME_KIND_UNSPECIFIED}


def _check_plan_year(request: pb.DetermineEligibilityRequest, out: list[FieldViolation]) -> None:
    year = request.plan_year
    if year == 0:
        out.append(FieldViolation("plan_year", "is required"))
    elif not 2000 <= year <= 2100:
        out.append(FieldViolation("plan_year", "must be a calendar year between 2000 and 2100"))
    elif request.HasField("determined_on"):
        day = check_date(request.determined_on, "determined_on", out)
        # The ages sent were taken on this day: one outside the year would decide the
        # year on figures and ages from another.
        if day is not None and day.year != year:
            out.append(FieldViolation("determined_on", f"must fall in plan year {year}"))


def _entry_missing(params: ParameterSet, name: str, on: dt.date) -> bool:
    try:
        params.entry(name, on)
    except ParameterError:
        return True
    return False


def missing_figures(year: int, params: ParameterSet, today: dt.date) -> list[str]:
    """The parameters the rules would read for a plan year that HHS does not hold."""
    return list(_missing_figures(year, params, today))


# Every request asks it again for the same few (plan year, day) pairs, and a loaded
# parameter set never changes.
@functools.lru_cache(maxsize=64)
def _missing_figures(year: int, params: ParameterSet, today: dt.date) -> tuple[str, ...]:
    return tuple(_find_missing(year, params, today))


def _find_missing(year: int, params: ParameterSet, today: dt.date) -> list[str]:
    missing = [
        name for name in MARKETPLACE_PARAMETERS if _entry_missing(params, name, dt.date(year, 1, 1))
    ]
    medicaid_on = poverty.medicaid_date(year, today)
    missing += [name for name in MEDICAID_PARAMETERS if _entry_missing(params, name, medicaid_on)]
    try:
        marketplace_on = poverty.marketplace_date(params, year)
    except ParameterError:  # without the timing rule no guideline date can be named
        return [*missing, poverty.TIMING]
    for on in (marketplace_on, medicaid_on):
        if _entry_missing(params, poverty.GUIDELINES, on):
            missing.append(f"{poverty.GUIDELINES} on {on.isoformat()}")
    return missing


def _check_members(request: pb.DetermineEligibilityRequest, out: list[FieldViolation]) -> set[str]:
    if not request.members:
        out.append(FieldViolation("members", "at least one member is required"))
    if len(request.members) > MAX_MEMBERS:
        out.append(FieldViolation("members", f"at most {MAX_MEMBERS} members per household"))
    seen: set[str] = set()
    for i, m in enumerate(request.members):
        path = f"members[{i}]"
        if not m.person_id:
            out.append(FieldViolation(f"{path}.person_id", "is required"))
        elif m.person_id in seen:
            out.append(FieldViolation(f"{path}.person_id", f"{m.person_id!r} appears twice"))
        seen.add(m.person_id)
        if not 0 <= m.age <= MAX_AGE:
            out.append(FieldViolation(f"{path}.age", f"must be between 0 and {MAX_AGE}"))
        elif m.HasField("premium_age") and not max(m.age - 1, 0) <= m.premium_age <= m.age:
            # Taken on a day of the same plan year no later than the answer's day: at most
            # one birthday lies between, so anything else is an age from another year.
            out.append(
                FieldViolation(
                    f"{path}.premium_age",
                    f"must be the age ({m.age}) or one less: it is taken earlier in the plan year",
                )
            )
        if m.applying and m.citizenship == hh.CITIZENSHIP_STATUS_UNSPECIFIED:
            out.append(FieldViolation(f"{path}.citizenship", "is required for an applying member"))
        if m.citizenship not in _CITIZENSHIP_NUMBERS:
            out.append(FieldViolation(f"{path}.citizenship", "is not a known status"))
        if abs(m.annual_magi_cents) > MAX_ABS_MAGI_CENTS:
            out.append(FieldViolation(f"{path}.annual_magi_cents", "is out of range"))
        if m.incomes and m.annual_magi_cents:
            out.append(
                FieldViolation(
                    f"{path}.annual_magi_cents",
                    "send incomes or a ready-made MAGI, not both (HHS computes MAGI from incomes)",
                )
            )
        _check_incomes(m, path, out)
        if m.employer_self_only_monthly_premium_cents < 0:
            out.append(
                FieldViolation(
                    f"{path}.employer_self_only_monthly_premium_cents", "must not be negative"
                )
            )
        if (
            m.medicaid_barred_by_immigration_status
            and m.citizenship != hh.CITIZENSHIP_STATUS_LAWFULLY_PRESENT
        ):
            out.append(
                FieldViolation(
                    f"{path}.medicaid_barred_by_immigration_status",
                    "applies only to a lawfully present member",
                )
            )
        if not 0 <= m.expected_children <= MAX_EXPECTED_CHILDREN:
            out.append(
                FieldViolation(
                    f"{path}.expected_children", f"must be from 0 to {MAX_EXPECTED_CHILDREN}"
                )
            )
        elif m.expected_children and not m.pregnant:
            out.append(FieldViolation(f"{path}.expected_children", "is for a pregnant member"))
        if m.monthly_earned_income_cents < 0:
            out.append(
                FieldViolation(f"{path}.monthly_earned_income_cents", "must not be negative")
            )
        work_activity.check(m.work_activity, f"{path}.work_activity", out)
    return seen


def _check_incomes(m: pb.EligibilityMember, path: str, out: list[FieldViolation]) -> None:
    # MAGI is at most the sum of the parts, so the bound on one MAGI bounds their sum.
    if abs(sum(i.annual_amount_cents for i in m.incomes)) > MAX_ABS_MAGI_CENTS:
        out.append(FieldViolation(f"{path}.incomes", "add up to more than HHS accepts"))
    for j, income in enumerate(m.incomes):
        where = f"{path}.incomes[{j}]"
        if income.kind not in _INCOME_KINDS:
            out.append(FieldViolation(f"{where}.kind", "is required and must be a known kind"))
        if abs(income.annual_amount_cents) > MAX_ABS_MAGI_CENTS:
            out.append(FieldViolation(f"{where}.annual_amount_cents", "is out of range"))
        elif income.annual_amount_cents < 0 and income.kind != hh.INCOME_KIND_SELF_EMPLOYMENT:
            out.append(
                FieldViolation(
                    f"{where}.annual_amount_cents",
                    "cannot be negative (only self-employment can be a loss)",
                )
            )


def _check_relationships(
    request: pb.DetermineEligibilityRequest, known: set[str], out: list[FieldViolation]
) -> None:
    for i, r in enumerate(request.relationships):
        path = f"relationships[{i}]"
        for name in ("person_id", "related_person_id"):
            value = getattr(r, name)
            if value not in known:
                out.append(FieldViolation(f"{path}.{name}", f"{value!r} is not a member"))
        if r.person_id and r.person_id == r.related_person_id:
            out.append(
                FieldViolation(
                    f"{path}.related_person_id", "a person cannot be related to themself"
                )
            )
        if r.kind not in RELATION:
            out.append(FieldViolation(f"{path}.kind", "is required"))


def _check_tax_units(
    request: pb.DetermineEligibilityRequest, known: set[str], out: list[FieldViolation]
) -> None:
    unit_ids: set[str] = set()
    placed: dict[str, str] = {}
    for i, unit in enumerate(request.tax_units):
        path = f"tax_units[{i}]"
        if not unit.tax_unit_id:
            out.append(FieldViolation(f"{path}.tax_unit_id", "is required"))
        elif unit.tax_unit_id in unit_ids:
            out.append(FieldViolation(f"{path}.tax_unit_id", f"{unit.tax_unit_id!r} appears twice"))
        unit_ids.add(unit.tax_unit_id)
        if unit.filing_status not in FILING:
            out.append(FieldViolation(f"{path}.filing_status", "is required"))
        joint = unit.filing_status == hh.FILING_STATUS_MARRIED_FILING_JOINTLY
        wanted = 2 if joint else 1
        if len(unit.filer_person_ids) != wanted:
            out.append(
                FieldViolation(
                    f"{path}.filer_person_ids",
                    f"a {'joint' if joint else 'single-filer'} return has exactly {wanted} filer"
                    f"{'s' if wanted > 1 else ''}",
                )
            )
        for field, ids in (
            ("filer_person_ids", unit.filer_person_ids),
            ("dependent_person_ids", unit.dependent_person_ids),
        ):
            for j, pid in enumerate(ids):
                where = f"{path}.{field}[{j}]"
                if pid not in known:
                    out.append(FieldViolation(where, f"{pid!r} is not a member"))
                elif pid in placed:
                    out.append(
                        FieldViolation(where, f"{pid!r} is already in tax unit {placed[pid]!r}")
                    )
                else:
                    placed[pid] = unit.tax_unit_id or path


def validate(request: pb.DetermineEligibilityRequest, params: ParameterSet, today: dt.date) -> None:
    """Raise INVALID_ARGUMENT listing every problem, FAILED_PRECONDITION for a good request
    in a plan year whose figures HHS does not hold, or return for one the rules can take."""
    out: list[FieldViolation] = []
    _check_plan_year(request, out)
    check_state(request.state_code, "state_code", out)
    known = _check_members(request, out)
    _check_relationships(request, known, out)
    _check_tax_units(request, known, out)
    if request.HasField("benchmark_premium"):
        check_benchmark_quote(request.benchmark_premium, "benchmark_premium", out)
    if out:
        raise invalid_argument(out)
    missing = missing_figures(request.plan_year, params, determined_on(request, today))
    if missing:
        raise ServiceError(
            grpc.StatusCode.FAILED_PRECONDITION,
            "PLAN_YEAR_FIGURES_NOT_LOADED",
            f"HHS holds no figures for plan year {request.plan_year}: {', '.join(missing)}",
            metadata={"plan_year": str(request.plan_year), "missing": ",".join(missing)},
        )
