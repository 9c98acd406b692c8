"""The household builder: the form's fields <-> a contract Household.

Each input is named by the contract path the orchestrator names in its field violations
(``household.members[0].ssn``), so a violation lands beside the field it is about. The
few answers that the form asks in a simpler shape (a relationship to person 1, one
filing status) keep a list of the contract paths they were turned into, for the same
purpose. Nothing is validated here: the server's rules are the only rules. Only what
cannot be read as the contract's value at all (an amount that is not a number, or past
any household's money) is held back and shown beside its field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from eligibility.common.v1 import date_pb2, household_pb2
from shared.errors import FieldViolation

MAX_MEMBERS = 12

CITIZENSHIP = {
    "citizen": household_pb2.CITIZENSHIP_STATUS_CITIZEN,
    "lawfully_present": household_pb2.CITIZENSHIP_STATUS_LAWFULLY_PRESENT,
    "not_lawfully_present": household_pb2.CITIZENSHIP_STATUS_NOT_LAWFULLY_PRESENT,
}
CITIZENSHIP_LABELS = {
    "citizen": "U.S. citizen",
    "lawfully_present": "Lawfully present",
    "not_lawfully_present": "Not lawfully present",
}
RELATIONSHIPS = {
    "spouse": household_pb2.RELATIONSHIP_KIND_SPOUSE,
    "child": household_pb2.RELATIONSHIP_KIND_CHILD,
    "parent": household_pb2.RELATIONSHIP_KIND_PARENT,
    "sibling": household_pb2.RELATIONSHIP_KIND_SIBLING,
    "other_relative": household_pb2.RELATIONSHIP_KIND_OTHER_RELATIVE,
    "unrelated": household_pb2.RELATIONSHIP_KIND_UNRELATED,
}
RELATIONSHIP_LABELS = {
    "spouse": "Spouse",
    "child": "Child",
    "parent": "Parent",
    "sibling": "Brother or sister",
    "other_relative": "Other relative",
    "unrelated": "Not related",
}
INCOME_KINDS = {
    "wages": household_pb2.INCOME_KIND_WAGES,
    "self_employment": household_pb2.INCOME_KIND_SELF_EMPLOYMENT,
    "unemployment": household_pb2.INCOME_KIND_UNEMPLOYMENT,
    "social_security": household_pb2.INCOME_KIND_SOCIAL_SECURITY,
    "pension": household_pb2.INCOME_KIND_PENSION,
    "investment": household_pb2.INCOME_KIND_INVESTMENT,
    "other": household_pb2.INCOME_KIND_OTHER,
}
INCOME_LABELS = {
    "wages": "Wages",
    "self_employment": "Self-employment (net)",
    "unemployment": "Unemployment",
    "social_security": "Social Security",
    "pension": "Pension",
    "investment": "Investment",
    "other": "Other",
}
FILING_STATUSES = {
    "single": household_pb2.FILING_STATUS_SINGLE,
    "married_filing_jointly": household_pb2.FILING_STATUS_MARRIED_FILING_JOINTLY,
    "married_filing_separately": household_pb2.FILING_STATUS_MARRIED_FILING_SEPARATELY,
    "head_of_household": household_pb2.FILING_STATUS_HEAD_OF_HOUSEHOLD,
}
FILING_LABELS = {
    "single": "Single",
    "married_filing_jointly": "Married filing jointly",
    "married_filing_separately": "Married filing separately",
    "head_of_household": "Head of household",
}
_DATE = re.compile(r"^\s*(\d{1,4})-(\d{1,2})-(\d{1,2})\s*$")


def member_path(index: int, name: str) -> str:
    return f"household.members[{index}].{name}"


def field_id(path: str) -> str:
    """An HTML id for a contract path, safe in CSS selectors."""
    return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")


@dataclass
class Built:
    household: household_pb2.Household
    # Contract path the server may name -> the form field that holds the answer.
    aliases: dict[str, str] = field(default_factory=dict)
    filer_ids: list[str] = field(default_factory=list)
    # Answers the contract cannot carry (an amount that is not one): shown beside their
    # field without asking the server, which would only see a placeholder.
    unreadable: list[FieldViolation] = field(default_factory=list)


def member_count(form: Mapping[str, str]) -> int:
    try:
        count = int(form.get("member_count", "1"))
    except ValueError:
        count = 1
    return max(1, min(count, MAX_MEMBERS))


# Far beyond any household's money, and far inside the contract's int64 of cents: a figure
# past it ("1e999999999") is refused as unreadable before it is ever turned into an int.
MAX_DOLLARS = Decimal(10**12)
UNREADABLE_AMOUNT = "is not an amount in dollars and cents (for example 1250.50)"
# The contract's int32 fields (years, hours, counts): a number past it is out of range.
INT32_MAX = 2**31 - 1


def dollars_to_cents(text: str) -> int | None:
    """Cents for a typed amount; None when nothing, or nothing readable, was typed."""
    cleaned = text.replace(",", "").replace("$", "").strip()
    if not cleaned or len(cleaned) > 40:
        return None
    try:
        amount = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return None
    # copy_abs, not abs(): abs() rounds in the context, and "1e999999999" overflows it.
    if not amount.is_finite() or amount.copy_abs() >= MAX_DOLLARS:
        return None
    return int((amount * 100).to_integral_value())


def whole_number(text: str, otherwise: int = -1) -> int:
    """A typed whole number for an int32 field, or ``otherwise`` (a value the server
    refuses with its own message) when it is not one or does not fit."""
    try:
        value = int(text.strip())
    except ValueError:
        return otherwise
    return value if -INT32_MAX <= value <= INT32_MAX else otherwise


def _date(text: str) -> date_pb2.Date:
    """Whatever numbers were typed, so the server can say what is wrong with them."""
    match = _DATE.match(text or "")
    if not match:
        return date_pb2.Date()
    return date_pb2.Date(year=int(match[1]), month=int(match[2]), day=int(match[3]))


def _checked(form: Mapping[str, str], name: str) -> bool:
    return form.get(name) in ("on", "true", "1", "yes")


def build(form: Mapping[str, str]) -> Built:
    household = household_pb2.Household()
    built = Built(household)
    count = member_count(form)
    ids: list[str] = []
    for i in range(count):
        person_id = (form.get(member_path(i, "person_id")) or f"p{i + 1}").strip()
        ids.append(person_id)
        person = household.members.add(
            person_id=person_id,
            ssn=(form.get(member_path(i, "ssn")) or "").replace("-", "").replace(" ", ""),
            name=household_pb2.PersonName(
                given=(form.get(member_path(i, "name.given")) or "").strip(),
                family=(form.get(member_path(i, "name.family")) or "").strip(),
            ),
            birth_date=_date(form.get(member_path(i, "birth_date"), "")),
            citizenship=CITIZENSHIP.get(form.get(member_path(i, "citizenship"), ""), 0),
            applying=_checked(form, member_path(i, "applying")),
            pregnant=_checked(form, member_path(i, "pregnant")),
            disabled=_checked(form, member_path(i, "disabled")),
        )
        amount_field = member_path(i, "incomes[0].annual_amount_cents")
        amount = dollars_to_cents(form.get(amount_field, ""))
        if amount is not None and amount != 0:
            kind = INCOME_KINDS.get(form.get(member_path(i, "incomes[0].kind"), "wages"), 0)
            person.incomes.add(kind=kind, annual_amount_cents=amount)
        elif form.get(amount_field, "").strip() and amount is None:
            # Not an amount: a value the server refuses too, should it ever be sent.
            person.incomes.add(kind=0, annual_amount_cents=0)
            built.unreadable.append(FieldViolation(amount_field, UNREADABLE_AMOUNT))
        hours = form.get(member_path(i, "work_activity.monthly_work_hours"), "").strip()
        if hours:
            person.work_activity.monthly_work_hours = whole_number(hours)
    _relationships(form, built, ids)
    _tax_unit(form, built, ids)
    address = household.address
    for name in ("line1", "city", "county", "zip_code"):
        setattr(address, name, (form.get(f"household.address.{name}") or "").strip())
    address.state_code = (form.get("household.address.state_code") or "").strip()
    shelter_field = "household.expenses.monthly_shelter_cents"
    shelter = dollars_to_cents(form.get(shelter_field, ""))
    if shelter is None and form.get(shelter_field, "").strip():
        # Never read as no rent at all.
        built.unreadable.append(FieldViolation(shelter_field, UNREADABLE_AMOUNT))
    household.expenses.monthly_shelter_cents = shelter or 0
    household.expenses.pays_heating_or_cooling = _checked(
        form, "household.expenses.pays_heating_or_cooling"
    )
    return built


def _relationships(form: Mapping[str, str], built: Built, ids: list[str]) -> None:
    """Each person's relationship to person 1; a spouse's children are theirs too."""
    household = built.household
    spouse: str | None = None
    children: list[tuple[int, str]] = []
    for i in range(1, len(ids)):
        field_name = member_path(i, "relationship")
        kind = form.get(field_name, "")
        if kind == "spouse":
            spouse = ids[i]
        if kind == "child":
            children.append((i, ids[i]))
        built.aliases[f"household.relationships[{len(household.relationships)}]"] = field_name
        built.aliases[f"household.relationships[{len(household.relationships)}].kind"] = field_name
        household.relationships.add(
            person_id=ids[i], related_person_id=ids[0], kind=RELATIONSHIPS.get(kind, 0)
        )
    if spouse:
        for i, child in children:
            built.aliases[f"household.relationships[{len(household.relationships)}]"] = member_path(
                i, "relationship"
            )
            household.relationships.add(
                person_id=child,
                related_person_id=spouse,
                kind=household_pb2.RELATIONSHIP_KIND_CHILD,
            )


def _tax_unit(form: Mapping[str, str], built: Built, ids: list[str]) -> None:
    """One return: person 1 files (with a spouse when filing jointly), children are dependents."""
    status_key = form.get("household.tax_units[0].filing_status", "")
    status = FILING_STATUSES.get(status_key, 0)
    filers = [ids[0]]
    dependents: list[str] = []
    for i in range(1, len(ids)):
        kind = form.get(member_path(i, "relationship"), "")
        if kind == "spouse" and status_key == "married_filing_jointly":
            filers.append(ids[i])
        elif kind == "child":
            dependents.append(ids[i])
    built.household.tax_units.add(
        tax_unit_id="household",
        filing_status=status,
        filer_person_ids=filers,
        dependent_person_ids=dependents,
    )
    built.filer_ids = filers
    for name in ("filer_person_ids", "dependent_person_ids", "filing_status"):
        built.aliases[f"household.tax_units[0].{name}"] = "household.tax_units[0].filing_status"
    built.aliases["household.tax_units[0]"] = "household.tax_units[0].filing_status"
    built.aliases["household.tax_units"] = "household.tax_units[0].filing_status"


def place_violations(
    violations: list[FieldViolation], aliases: Mapping[str, str], fields: set[str]
) -> tuple[dict[str, list[str]], list[FieldViolation]]:
    """Violations by the form field they belong to, and the ones no field shows."""
    placed: dict[str, list[str]] = {}
    loose: list[FieldViolation] = []
    for violation in violations:
        target = _nearest_field(violation.field, aliases, fields)
        if target is None:
            loose.append(violation)
        else:
            placed.setdefault(target, []).append(violation.description)
    return placed, loose


def _nearest_field(path: str, aliases: Mapping[str, str], fields: set[str]) -> str | None:
    """The field itself, its alias, or the nearest enclosing path that is a field
    (``household.members[0].birth_date.year`` -> ``household.members[0].birth_date``)."""
    candidate = path
    while candidate:
        if candidate in aliases:
            return aliases[candidate]
        if candidate in fields:
            return candidate
        cut = max(candidate.rfind("."), candidate.rfind("["))
        candidate = candidate[:cut] if cut > 0 else ""
    return None


_MEMBER_LABELS = {
    "person_id": "Person id",
    "name.given": "First name",
    "name.family": "Last name",
    "ssn": "Social Security number",
    "birth_date": "Date of birth",
    "citizenship": "Citizenship or immigration status",
    "relationship": "Relationship to person 1",
    "incomes[0].kind": "Kind of income",
    "incomes[0].annual_amount_cents": "Income a year",
    "work_activity.monthly_work_hours": "Hours of work a month",
}
_LABELS = {
    "household.address.line1": "Street address",
    "household.address.city": "City",
    "household.address.state_code": "State",
    "household.address.county": "County",
    "household.address.zip_code": "ZIP code",
    "household.expenses.monthly_shelter_cents": "Rent or mortgage",
    "household.tax_units[0].filing_status": "How person 1 files taxes",
    "programs": "Programs",
    "plan_year": "Plan year",
    "consent_treasury": "Consent",
    "person_id": "Person whose income changes",
    "from_annual_cents": "From",
    "to_annual_cents": "To",
    "step_cents": "Step",
}
_MEMBER = re.compile(r"^household\.members\[(\d+)\]\.(.+)$")


def field_label(path: str) -> str:
    """The words a form shows for a field, for the list of problems at the top."""
    match = _MEMBER.match(path)
    if match:
        return f"Person {int(match[1]) + 1}: {_MEMBER_LABELS.get(match[2], match[2])}"
    return _LABELS.get(path, path)


def member_fields(index: int) -> list[str]:
    names = (
        "person_id",
        "name.given",
        "name.family",
        "ssn",
        "birth_date",
        "citizenship",
        "relationship",
        "incomes[0].kind",
        "incomes[0].annual_amount_cents",
        "work_activity.monthly_work_hours",
        "applying",
        "pregnant",
        "disabled",
    )
    return [member_path(index, name) for name in names]


HOUSEHOLD_FIELDS = [
    "household.address.line1",
    "household.address.city",
    "household.address.state_code",
    "household.address.county",
    "household.address.zip_code",
    "household.expenses.monthly_shelter_cents",
    "household.expenses.pays_heating_or_cooling",
    "household.tax_units[0].filing_status",
]


def all_fields(count: int, extra: list[str]) -> set[str]:
    names = set(HOUSEHOLD_FIELDS) | set(extra)
    for i in range(count):
        names.update(member_fields(i))
    # The list of members itself: its problems show at person 1.
    return names


SAMPLE = {
    "member_count": "2",
    "household.members[0].person_id": "p1",
    "household.members[0].name.given": "Ana",
    "household.members[0].name.family": "Example",
    "household.members[0].ssn": "123456789",
    "household.members[0].birth_date": "1990-04-12",
    "household.members[0].citizenship": "citizen",
    "household.members[0].incomes[0].kind": "wages",
    "household.members[0].incomes[0].annual_amount_cents": "20000",
    "household.members[0].work_activity.monthly_work_hours": "100",
    "household.members[0].applying": "on",
    "household.members[1].person_id": "p2",
    "household.members[1].name.given": "Leo",
    "household.members[1].name.family": "Example",
    "household.members[1].ssn": "123456788",
    "household.members[1].birth_date": "2016-09-01",
    "household.members[1].citizenship": "citizen",
    "household.members[1].relationship": "child",
    "household.members[1].applying": "on",
    "household.address.line1": "1 Main St",
    "household.address.city": "Austin",
    "household.address.state_code": "TX",
    "household.address.county": "Travis",
    "household.address.zip_code": "78701",
    "household.expenses.monthly_shelter_cents": "900",
    "household.tax_units[0].filing_status": "head_of_household",
}
