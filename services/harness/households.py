"""Households written by people (YAML) <-> the contract's SubmitApplicationRequest.

The YAML is forgiving about case and spelling of enum values ("married_filing_jointly"),
takes money as dollars ("26400.00") and dates as ISO dates, and names every problem it
finds with its path, so a caseworker can fix a file without reading protobuf.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from eligibility.common.v1 import date_pb2, determination_pb2, household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.yaml_file import FileProblem, read_mapping

EXAMPLES_DIR = Path(__file__).with_name("examples")


class HouseholdFileError(FileProblem):
    pass


def mapping(raw: Any, where: str) -> dict[str, Any]:
    """``raw`` as a mapping (absent is empty); a list or a number where keys belong is
    refused by its path, never met later as a Python error."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise HouseholdFileError(f"{where}: expected a mapping (key: value), not {_kind(raw)}")
    return raw


def listed(raw: Any, where: str) -> list[Any]:
    """``raw`` as a list (absent is empty): a single name where a list belongs would
    otherwise be read letter by letter."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise HouseholdFileError(f"{where}: expected a list (- item lines), not {_kind(raw)}")
    return raw


def mappings(raw: Any, where: str) -> list[dict[str, Any]]:
    return [mapping(item, f"{where}[{i}]") for i, item in enumerate(listed(raw, where))]


# The contract's whole numbers are int32 and its amounts int64 cents: a figure past them
# cannot be sent, so it is refused here, naming its place, not by protobuf with a trace.
_INT32 = 2**31 - 1
_INT64 = 2**63 - 1


def whole(raw: Any, where: str) -> int:
    try:
        value = int(raw or 0)
    except (TypeError, ValueError, OverflowError):
        raise HouseholdFileError(f"{where}: {raw!r} is not a whole number") from None
    if abs(value) > _INT32:
        raise HouseholdFileError(f"{where}: {raw!r} is too large")
    return value


def _kind(raw: Any) -> str:
    names = {str: "text", int: "a number", float: "a number", bool: "true or false"}
    if isinstance(raw, dict):
        return "a mapping"
    return names.get(type(raw), "a list" if isinstance(raw, list) else type(raw).__name__)


def _enum(enum: Any, prefix: str, raw: Any, where: str) -> int:
    name = f"{prefix}{str(raw).strip().upper().replace('-', '_').replace(' ', '_')}"
    try:
        return int(enum.Value(name))
    except ValueError:
        allowed = ", ".join(
            n.removeprefix(prefix).lower()
            for n in enum.keys()  # noqa: SIM118 - an enum wrapper, not a dict
            if not n.endswith("UNSPECIFIED")
        )
        raise HouseholdFileError(f"{where}: {raw!r} is not one of: {allowed}") from None


def _work(raw: dict[str, Any], out: household_pb2.WorkActivity, where: str) -> None:
    """``work: {hours: 40, community_service_hours: 40, exemptions: [in_treatment],
    snap_months_used: 1}``: a month's activity towards the work rules of P.L. 119-21."""
    try:
        out.monthly_work_hours = int(raw.get("hours", 0))
        out.monthly_community_service_hours = int(raw.get("community_service_hours", 0))
        out.monthly_work_program_hours = int(raw.get("work_program_hours", 0))
        out.monthly_education_hours = int(raw.get("education_hours", 0))
        out.snap_countable_months_used = int(raw.get("snap_months_used", 0))
    except (TypeError, ValueError):
        raise HouseholdFileError(f"{where}: hours and months are whole numbers") from None
    for k, name in enumerate(listed(raw.get("exemptions"), f"{where}.exemptions")):
        out.exemptions.append(
            _enum(
                household_pb2.WorkRuleExemption,
                "WORK_RULE_EXEMPTION_",
                name,
                f"{where}.exemptions[{k}]",
            )
        )


def _cents(raw: Any, where: str) -> int:
    try:
        cents = int((Decimal(str(raw)) * 100).to_integral_value())
    except (InvalidOperation, ValueError, OverflowError):
        raise HouseholdFileError(f"{where}: {raw!r} is not an amount of dollars") from None
    if abs(cents) > _INT64:
        raise HouseholdFileError(f"{where}: {raw!r} is too large an amount")
    return cents


def _date(raw: Any, where: str) -> date_pb2.Date:
    if not isinstance(raw, dt.date):
        try:
            raw = dt.date.fromisoformat(str(raw))
        except ValueError:
            raise HouseholdFileError(f"{where}: {raw!r} is not a YYYY-MM-DD date") from None
    return date_pb2.Date(year=raw.year, month=raw.month, day=raw.day)


def request_from_dict(data: dict[str, Any], request_id: str = "") -> pb.SubmitApplicationRequest:
    household = household_pb2.Household()
    for i, raw in enumerate(mappings(data.get("members"), "members")):
        where = f"members[{i}]"
        name = mapping(raw.get("name"), f"{where}.name")
        member = household.members.add(
            person_id=str(raw.get("id", "")),
            ssn=str(raw.get("ssn", "")),
            name=household_pb2.PersonName(
                given=str(name.get("given", "")),
                family=str(name.get("family", "")),
            ),
            pregnant=bool(raw.get("pregnant", False)),
            applying=bool(raw.get("applying", True)),
            disabled=bool(raw.get("disabled", False)),
            offered_affordable_employer_coverage=bool(
                raw.get("offered_affordable_employer_coverage", False)
            ),
            reuse_known_facts=bool(raw.get("reuse_known_facts", False)),
        )
        if "birth_date" in raw:
            member.birth_date.CopyFrom(_date(raw["birth_date"], f"{where}.birth_date"))
        if "citizenship" in raw:
            member.citizenship = _enum(
                household_pb2.CitizenshipStatus,
                "CITIZENSHIP_STATUS_",
                raw["citizenship"],
                f"{where}.citizenship",
            )
        for j, income in enumerate(mappings(raw.get("incomes"), f"{where}.incomes")):
            member.incomes.add(
                kind=_enum(
                    household_pb2.IncomeKind,
                    "INCOME_KIND_",
                    income.get("kind"),
                    f"{where}.incomes[{j}].kind",
                ),
                annual_amount_cents=_cents(income.get("annual"), f"{where}.incomes[{j}].annual"),
            )
        if "work" in raw:
            _work(mapping(raw["work"], f"{where}.work"), member.work_activity, f"{where}.work")
    for i, raw in enumerate(mappings(data.get("relationships"), "relationships")):
        household.relationships.add(
            person_id=str(raw.get("person", "")),
            related_person_id=str(raw.get("related", "")),
            kind=_enum(
                household_pb2.RelationshipKind,
                "RELATIONSHIP_KIND_",
                raw.get("kind"),
                f"relationships[{i}].kind",
            ),
        )
    for i, raw in enumerate(mappings(data.get("tax_units"), "tax_units")):
        household.tax_units.add(
            tax_unit_id=str(raw.get("id", f"unit{i}")),
            filing_status=_enum(
                household_pb2.FilingStatus,
                "FILING_STATUS_",
                raw.get("filing_status"),
                f"tax_units[{i}].filing_status",
            ),
            filer_person_ids=[str(p) for p in listed(raw.get("filers"), f"tax_units[{i}].filers")],
            dependent_person_ids=[
                str(p) for p in listed(raw.get("dependents"), f"tax_units[{i}].dependents")
            ],
        )
    address = mapping(data.get("address"), "address")
    household.address.CopyFrom(
        household_pb2.Address(
            line1=str(address.get("line1", "")),
            city=str(address.get("city", "")),
            state_code=str(address.get("state", "")).upper(),
            county=str(address.get("county", "")),
            zip_code=str(address.get("zip", "")),
        )
    )
    expenses = mapping(data.get("expenses"), "expenses")
    household.expenses.CopyFrom(
        household_pb2.HouseholdExpenses(
            monthly_shelter_cents=_cents(
                expenses.get("monthly_shelter", 0), "expenses.monthly_shelter"
            ),
            pays_heating_or_cooling=bool(expenses.get("pays_heating_or_cooling", False)),
            monthly_dependent_care_cents=_cents(
                expenses.get("monthly_dependent_care", 0), "expenses.monthly_dependent_care"
            ),
            monthly_medical_cents=_cents(
                expenses.get("monthly_medical", 0), "expenses.monthly_medical"
            ),
            monthly_child_support_paid_cents=_cents(
                expenses.get("monthly_child_support_paid", 0), "expenses.monthly_child_support_paid"
            ),
        )
    )
    programs = [
        _enum(determination_pb2.Program, "PROGRAM_", p, f"programs[{i}]")
        for i, p in enumerate(listed(data.get("programs"), "programs"))
    ]
    consents = [
        pb.ConsentGrant(
            person_id=str(raw.get("person", "")),
            agencies=[str(a) for a in listed(raw.get("agencies"), f"consents[{i}].agencies")],
            facts=[str(f) for f in listed(raw.get("facts"), f"consents[{i}].facts")],
            valid_years=whole(raw.get("valid_years"), f"consents[{i}].valid_years"),
        )
        for i, raw in enumerate(mappings(data.get("consents"), "consents"))
    ]
    request = pb.SubmitApplicationRequest(
        request_id=request_id or str(data.get("request_id", "")),
        household=household,
        programs=programs,
        plan_year=whole(data.get("plan_year"), "plan_year"),
        consents=consents,
    )
    quote = data.get("benchmark_premium")
    if isinstance(quote, dict):
        if not str(quote.get("age", 0)).isdigit():
            raise HouseholdFileError(f"benchmark_premium.age: {quote.get('age')!r} is not an age")
        # The benchmark premium the household or its exchange knows: {monthly, age, source}.
        request.benchmark_premium.CopyFrom(
            household_pb2.BenchmarkPremiumQuote(
                monthly_premium_cents=_cents(quote.get("monthly", 0), "benchmark_premium.monthly"),
                age=int(quote.get("age", 0)),
                source=str(quote.get("source", "")),
            )
        )
    return request


def load_request(path: Path, request_id: str = "") -> pb.SubmitApplicationRequest:
    try:
        data = read_mapping(path, "members, tax_units, address")
    except FileProblem as problem:
        raise HouseholdFileError(str(problem)) from None
    try:
        return request_from_dict(data, request_id)
    except HouseholdFileError as error:
        raise HouseholdFileError(f"{path}: {error}") from None


def example_paths() -> list[Path]:
    return sorted(EXAMPLES_DIR.glob("*.yaml"))
