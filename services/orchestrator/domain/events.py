"""Life events: is a reported change possible for this household, and what household does
it leave behind?

Pure: the stored household, the event and today's date come in; field violations, or the
new household with what changed, go out. The use case determines the programs again from
the new household; people whose facts did not change keep their verified facts.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import shared
from eligibility.common.v1 import household_pb2
from eligibility.common.v1 import life_event_pb2 as le
from shared.dates import add_years
from shared.errors import FieldViolation
from shared.limits import MAX_EXPECTED_CHILDREN
from shared.validation import STATE_CODES, check_date, check_ssn

# Shared reference data, found beside the shared package (installed or not).
COUNTIES_FILE = Path(shared.__file__).with_name("reference_data") / "counties.csv"

# How far ahead a change may be reported: a new job or a move is often known before it
# happens; a birth, a death or a divorce is reported once it has happened.
AHEAD_DAYS = 60
# A pregnancy reported with an effective date further back than a pregnancy lasts is not one.
PREGNANCY_MONTHS = 10
MILESTONE_AGES = (19, 26, 65)

K = le.LifeEventKind
_JOINING = (K.LIFE_EVENT_KIND_BIRTH, K.LIFE_EVENT_KIND_ADOPTION)
_ABOUT_A_MEMBER = (
    K.LIFE_EVENT_KIND_DEATH,
    K.LIFE_EVENT_KIND_MARRIAGE,
    K.LIFE_EVENT_KIND_DIVORCE,
    K.LIFE_EVENT_KIND_SEPARATION,
    K.LIFE_EVENT_KIND_INCOME_CHANGE,
    K.LIFE_EVENT_KIND_PREGNANCY,
    K.LIFE_EVENT_KIND_AGE_MILESTONE,
)
_NOT_AHEAD = (*_JOINING, *_ABOUT_A_MEMBER[:4], K.LIFE_EVENT_KIND_PREGNANCY)
_MAY_BE_AHEAD = (
    K.LIFE_EVENT_KIND_INCOME_CHANGE,
    K.LIFE_EVENT_KIND_MOVE,
    K.LIFE_EVENT_KIND_AGE_MILESTONE,
)
# The fields each kind reads (beyond kind and effective_date); any other must be unset.
_READS = {
    K.LIFE_EVENT_KIND_BIRTH: {"person_id", "new_member"},
    K.LIFE_EVENT_KIND_ADOPTION: {"person_id", "new_member"},
    K.LIFE_EVENT_KIND_DEATH: {"person_id"},
    K.LIFE_EVENT_KIND_MARRIAGE: {"person_id", "new_member", "spouse_person_id"},
    K.LIFE_EVENT_KIND_DIVORCE: {"person_id", "departing_person_ids"},
    K.LIFE_EVENT_KIND_SEPARATION: {"person_id", "departing_person_ids"},
    K.LIFE_EVENT_KIND_INCOME_CHANGE: {"person_id", "incomes"},
    K.LIFE_EVENT_KIND_MOVE: {"new_address", "new_expenses"},
    K.LIFE_EVENT_KIND_PREGNANCY: {"person_id", "expected_children"},
    K.LIFE_EVENT_KIND_AGE_MILESTONE: {"person_id", "age_reached"},
}
# Kinds only the orchestrator's notices carry: what it did, for the refusal's text.
_ORCHESTRATORS_OWN = {
    K.LIFE_EVENT_KIND_ISSUE_SETTLED: "settles a data-matching issue by rule",
    K.LIFE_EVENT_KIND_RECHECKED: "determines a pending case again",
    K.LIFE_EVENT_KIND_RENEWED: "renews a case for the next plan year",
    K.LIFE_EVENT_KIND_APPLIED: "determines a new application",
}
_OPTIONAL = ("person_id", "new_member", "spouse_person_id", "departing_person_ids", "incomes")
_OPTIONAL += ("new_address", "expected_children", "age_reached", "new_expenses")

# Facts a change can touch, as the answer names them.
MEMBERSHIP, INCOME, ADDRESS, EXPENSES = "membership", "income", "address", "expenses"
PREGNANCY, AGE, RELATIONSHIPS, TAX_FILING = "pregnancy", "age", "relationships", "tax_filing"


def kind_word(kind: int) -> str:
    return K.Name(kind).removeprefix("LIFE_EVENT_KIND_").replace("_", " ").lower()


_SUFFIX = re.compile(r"\s+(county|parish|borough|census area|municipality|city and borough)$")


def county_key(county: str) -> str:
    """Compare county names ignoring case, punctuation and a trailing "County" (as HHS
    does, so a move HHS can price is one accepted here)."""
    words = re.sub(r"[^a-z0-9]+", " ", county.casefold()).strip()
    return _SUFFIX.sub("", words)


@cache
def counties(path: Path = COUNTIES_FILE) -> dict[str, frozenset[str]]:
    """County keys by state code."""
    with open(path, encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        out: dict[str, set[str]] = {}
        for row in rows:
            out.setdefault(row["state"], set()).add(county_key(row["county"]))
    return {state: frozenset(names) for state, names in out.items()}


@dataclass(frozen=True)
class Applied:
    """The household after a change, and what changed."""

    household: household_pb2.Household
    # Facts the change touched (MEMBERSHIP, INCOME, ...), in a stable order.
    changed: tuple[str, ...]
    # Members the change is about, as they were (a departed member is still here).
    subjects: tuple[household_pb2.Person, ...]
    # Members who joined or left.
    joined: tuple[str, ...] = ()
    left: tuple[str, ...] = ()


def _date(value: object) -> dt.date:
    return dt.date(value.year, value.month, value.day)  # type: ignore[attr-defined]


def _set(event: le.LifeEvent, name: str) -> bool:
    value = getattr(event, name)
    if name in ("new_member", "new_address", "new_expenses"):
        return event.HasField(name)
    return bool(len(value)) if not isinstance(value, str | int) else bool(value)


def validate(
    event: le.LifeEvent,
    household: household_pb2.Household,
    case_id: str,
    today: dt.date,
    path: str = "event",
) -> list[FieldViolation]:
    """Every problem with ``event`` for this household, at once."""
    out: list[FieldViolation] = []
    kind = event.kind
    if kind in _ORCHESTRATORS_OWN:
        out.append(
            FieldViolation(
                f"{path}.kind",
                f"{K.Name(kind).removeprefix('LIFE_EVENT_KIND_')} is not a change a person "
                f"reports: the orchestrator tells agencies of it when it {_ORCHESTRATORS_OWN[kind]}",
            )
        )
        return out
    if kind not in _READS:
        out.append(FieldViolation(f"{path}.kind", "is required (birth, death, move, ...)"))
        return out
    word = kind_word(kind)
    for name in _OPTIONAL:
        if name not in _READS[kind] and _set(event, name):
            out.append(
                FieldViolation(f"{path}.{name}", f"is not read for a {word}; leave it unset")
            )
    when = check_date(event.effective_date, f"{path}.effective_date", out)
    members = {m.person_id: m for m in household.members}
    person = members.get(event.person_id)
    needs_person = kind in _ABOUT_A_MEMBER
    if event.person_id and person is None:
        out.append(FieldViolation(f"{path}.person_id", f"is not a member of case {case_id}"))
    elif needs_person and not event.person_id:
        out.append(FieldViolation(f"{path}.person_id", f"is required for a {word}"))
    if when is not None:
        _check_when(kind, when, today, path, out)
    if kind in _JOINING:
        _check_new_member(event, members, case_id, when, today, path, out)
    elif kind == K.LIFE_EVENT_KIND_DEATH and person is not None and when is not None:
        born = _date(person.birth_date)
        if when < born:
            out.append(
                FieldViolation(
                    f"{path}.effective_date",
                    f"is before {event.person_id}'s birth: a death cannot precede a birth",
                )
            )
    elif kind == K.LIFE_EVENT_KIND_MARRIAGE:
        _check_marriage(event, members, case_id, when, today, path, out)
    elif kind in (K.LIFE_EVENT_KIND_DIVORCE, K.LIFE_EVENT_KIND_SEPARATION):
        for i, pid in enumerate(event.departing_person_ids):
            if pid not in members:
                out.append(
                    FieldViolation(
                        f"{path}.departing_person_ids[{i}]", f"is not a member of case {case_id}"
                    )
                )
            elif pid == event.person_id:
                out.append(
                    FieldViolation(
                        f"{path}.departing_person_ids[{i}]",
                        "is the person reporting; name who leaves them",
                    )
                )
        if len(set(event.departing_person_ids)) >= len(members):
            out.append(FieldViolation(f"{path}.departing_person_ids", "would leave nobody"))
    elif kind == K.LIFE_EVENT_KIND_INCOME_CHANGE:
        for i, income in enumerate(event.incomes):
            ipath = f"{path}.incomes[{i}]"
            if income.kind == household_pb2.INCOME_KIND_UNSPECIFIED:
                out.append(FieldViolation(f"{ipath}.kind", "is required"))
            elif (
                income.annual_amount_cents < 0
                and income.kind != household_pb2.INCOME_KIND_SELF_EMPLOYMENT
            ):
                out.append(
                    FieldViolation(
                        f"{ipath}.annual_amount_cents",
                        "cannot be negative (only self-employment can be a loss)",
                    )
                )
    elif kind == K.LIFE_EVENT_KIND_MOVE:
        _check_move(event, path, out)
    elif kind == K.LIFE_EVENT_KIND_PREGNANCY:
        if not 0 <= event.expected_children <= MAX_EXPECTED_CHILDREN:
            out.append(
                FieldViolation(
                    f"{path}.expected_children", f"must be from 1 to {MAX_EXPECTED_CHILDREN}"
                )
            )
        if person is not None and person.pregnant:
            out.append(
                FieldViolation(f"{path}.person_id", f"{event.person_id} is already pregnant")
            )
    elif kind == K.LIFE_EVENT_KIND_AGE_MILESTONE:
        _check_milestone(event, person, when, path, out)
    return out


def _check_when(
    kind: int, when: dt.date, today: dt.date, path: str, out: list[FieldViolation]
) -> None:
    word = kind_word(kind)
    if kind in _NOT_AHEAD and when > today:
        out.append(
            FieldViolation(
                f"{path}.effective_date", f"is in the future: a {word} is reported once it happened"
            )
        )
    elif kind in _MAY_BE_AHEAD and when > today + dt.timedelta(days=AHEAD_DAYS):
        out.append(
            FieldViolation(
                f"{path}.effective_date",
                f"is more than {AHEAD_DAYS} days ahead: a {word} may be reported at most "
                f"{AHEAD_DAYS} days before it takes effect",
            )
        )
    if kind == K.LIFE_EVENT_KIND_PREGNANCY:
        earliest = today - dt.timedelta(days=round(PREGNANCY_MONTHS * 30.44))
        if when < earliest:
            out.append(
                FieldViolation(
                    f"{path}.effective_date",
                    f"is more than {PREGNANCY_MONTHS} months ago: longer than a pregnancy lasts",
                )
            )


def _check_person(
    person: household_pb2.Person,
    ppath: str,
    members: dict[str, household_pb2.Person],
    case_id: str,
    today: dt.date,
    out: list[FieldViolation],
) -> dt.date | None:
    if not person.person_id:
        out.append(FieldViolation(f"{ppath}.person_id", "is required"))
    elif person.person_id in members:
        out.append(
            FieldViolation(
                f"{ppath}.person_id", f"is already a member of case {case_id}: use a new id"
            )
        )
    check_ssn(person.ssn, f"{ppath}.ssn", out)
    if any(m.ssn == person.ssn for m in members.values()):
        out.append(FieldViolation(f"{ppath}.ssn", f"is already a member's of case {case_id}"))
    if not person.name.given.strip() or not person.name.family.strip():
        out.append(FieldViolation(f"{ppath}.name", "needs a given and a family name"))
    if person.citizenship == household_pb2.CITIZENSHIP_STATUS_UNSPECIFIED:
        out.append(FieldViolation(f"{ppath}.citizenship", "is required"))
    if not (person.birth_date.year or person.birth_date.month or person.birth_date.day):
        return None
    return check_date(person.birth_date, f"{ppath}.birth_date", out, not_after=today)


def _check_new_member(
    event: le.LifeEvent,
    members: dict[str, household_pb2.Person],
    case_id: str,
    when: dt.date | None,
    today: dt.date,
    path: str,
    out: list[FieldViolation],
) -> None:
    word = kind_word(event.kind)
    if not event.HasField("new_member"):
        out.append(FieldViolation(f"{path}.new_member", f"is required for a {word}: the child"))
        return
    ppath = f"{path}.new_member"
    born = _check_person(event.new_member, ppath, members, case_id, today, out)
    birth = event.kind == K.LIFE_EVENT_KIND_BIRTH
    if birth and born is not None and when is not None and born != when:
        out.append(FieldViolation(f"{ppath}.birth_date", "must be the birth's effective date"))
    if event.kind == K.LIFE_EVENT_KIND_ADOPTION:
        if born is None and not out:
            out.append(FieldViolation(f"{ppath}.birth_date", "is required for an adoption"))
        elif born is not None and when is not None and born > when:
            out.append(
                FieldViolation(f"{ppath}.birth_date", "is after the adoption's effective date")
            )


def _check_marriage(
    event: le.LifeEvent,
    members: dict[str, household_pb2.Person],
    case_id: str,
    when: dt.date | None,
    today: dt.date,
    path: str,
    out: list[FieldViolation],
) -> None:
    joining, inside = event.HasField("new_member"), bool(event.spouse_person_id)
    if joining == inside:
        out.append(
            FieldViolation(
                f"{path}.spouse_person_id",
                "name exactly one spouse: new_member (moving in) or spouse_person_id (a member)",
            )
        )
        return
    if inside:
        if event.spouse_person_id not in members:
            out.append(
                FieldViolation(f"{path}.spouse_person_id", f"is not a member of case {case_id}")
            )
        elif event.spouse_person_id == event.person_id:
            out.append(FieldViolation(f"{path}.spouse_person_id", "is the person marrying"))
        return
    ppath = f"{path}.new_member"
    born = _check_person(event.new_member, ppath, members, case_id, today, out)
    if born is None and not any(v.field.startswith(ppath) for v in out):
        out.append(FieldViolation(f"{ppath}.birth_date", "is required"))


def _check_move(event: le.LifeEvent, path: str, out: list[FieldViolation]) -> None:
    if not event.HasField("new_address"):
        out.append(FieldViolation(f"{path}.new_address", "is required for a move"))
        return
    address = event.new_address
    state = address.state_code
    if state not in STATE_CODES:
        out.append(
            FieldViolation(f"{path}.new_address.state_code", "must be a US state code or DC")
        )
        return
    if not address.county.strip():
        out.append(FieldViolation(f"{path}.new_address.county", "is required"))
    elif county_key(address.county) not in counties().get(state, frozenset()):
        out.append(
            FieldViolation(
                f"{path}.new_address.county", f"is not a county of {state} that we know of"
            )
        )
    for name in (
        "monthly_shelter_cents",
        "monthly_dependent_care_cents",
        "monthly_medical_cents",
        "monthly_child_support_paid_cents",
    ):
        if getattr(event.new_expenses, name) < 0:
            out.append(FieldViolation(f"{path}.new_expenses.{name}", "cannot be negative"))


def _check_milestone(
    event: le.LifeEvent,
    person: household_pb2.Person | None,
    when: dt.date | None,
    path: str,
    out: list[FieldViolation],
) -> None:
    age = event.age_reached
    if age not in MILESTONE_AGES:
        out.append(
            FieldViolation(
                f"{path}.age_reached",
                f"must be {', '.join(map(str, MILESTONE_AGES))}: the ages a program turns on",
            )
        )
        return
    if person is None or when is None:
        return
    birthday = add_years(_date(person.birth_date), age)
    if birthday != when:
        out.append(
            FieldViolation(
                f"{path}.effective_date",
                f"{event.person_id} turns {age} on {birthday.isoformat()}, by the birth date "
                "on the case",
            )
        )


def apply(event: le.LifeEvent, household: household_pb2.Household) -> Applied:
    """The household after a valid ``event`` (see ``validate``)."""
    out = household_pb2.Household()
    out.CopyFrom(household)
    members = {m.person_id: m for m in household.members}
    kind = event.kind
    subject = [members[event.person_id]] if event.person_id in members else []
    if kind in _JOINING:
        child = _add(out, event.new_member)
        if kind == K.LIFE_EVENT_KIND_BIRTH and not child.HasField("birth_date"):
            child.birth_date.CopyFrom(event.effective_date)
        parents = _parents(out, event.person_id)
        for parent in parents:
            out.relationships.add(
                person_id=child.person_id,
                related_person_id=parent,
                kind=household_pb2.RELATIONSHIP_KIND_CHILD,
            )
        unit = _unit_of(out, parents[0]) if parents else None
        if unit is not None:
            unit.dependent_person_ids.append(child.person_id)
            if unit.filing_status == household_pb2.FILING_STATUS_SINGLE:
                unit.filing_status = household_pb2.FILING_STATUS_HEAD_OF_HOUSEHOLD
        return Applied(
            out,
            (MEMBERSHIP, RELATIONSHIPS, TAX_FILING),
            (*subject, child),
            joined=(child.person_id,),
        )
    if kind == K.LIFE_EVENT_KIND_DEATH:
        _remove(out, [event.person_id])
        return Applied(
            out, (MEMBERSHIP, RELATIONSHIPS, TAX_FILING), tuple(subject), left=(event.person_id,)
        )
    if kind == K.LIFE_EVENT_KIND_MARRIAGE:
        joined: tuple[str, ...] = ()
        if event.HasField("new_member"):
            spouse = _add(out, event.new_member)
            joined = (spouse.person_id,)
        else:
            spouse = members[event.spouse_person_id]
        out.relationships.add(
            person_id=event.person_id,
            related_person_id=spouse.person_id,
            kind=household_pb2.RELATIONSHIP_KIND_SPOUSE,
        )
        _file_jointly(out, event.person_id, spouse.person_id)
        changed = (MEMBERSHIP, RELATIONSHIPS, TAX_FILING) if joined else (RELATIONSHIPS, TAX_FILING)
        return Applied(out, changed, (*subject, spouse), joined=joined)
    if kind in (K.LIFE_EVENT_KIND_DIVORCE, K.LIFE_EVENT_KIND_SEPARATION):
        departing = list(dict.fromkeys(event.departing_person_ids))
        spouses = _spouses_of(out, event.person_id)
        _unmarry(out, event.person_id, spouses)
        _remove(out, departing)
        gone = [members[p] for p in departing]
        changed = (MEMBERSHIP, RELATIONSHIPS, TAX_FILING) if departing else (RELATIONSHIPS,)
        changed = changed if TAX_FILING in changed else (*changed, TAX_FILING)
        return Applied(out, changed, (*subject, *gone), left=tuple(departing))
    if kind == K.LIFE_EVENT_KIND_INCOME_CHANGE:
        person = next(m for m in out.members if m.person_id == event.person_id)
        del person.incomes[:]
        person.incomes.extend(event.incomes)
        return Applied(out, (INCOME,), tuple(subject))
    if kind == K.LIFE_EVENT_KIND_MOVE:
        out.address.CopyFrom(event.new_address)
        changed = (ADDRESS,)
        if event.HasField("new_expenses"):
            out.expenses.CopyFrom(event.new_expenses)
            changed = (ADDRESS, EXPENSES)
        return Applied(out, changed, tuple(out.members))
    if kind == K.LIFE_EVENT_KIND_PREGNANCY:
        person = next(m for m in out.members if m.person_id == event.person_id)
        person.pregnant = True
        # Medicaid counts the unborn in her household (42 CFR 435.603(b)); 0 reads as one.
        person.expected_children = event.expected_children
        ended = [f for f in person.ended_facts if f != household_pb2.CARRIED_FACT_PREGNANCY]
        del person.ended_facts[:]
        person.ended_facts.extend(ended)
        return Applied(out, (PREGNANCY,), tuple(subject))
    # An age milestone changes no stated fact: the programs compute age from the birth date.
    return Applied(out, (AGE,), tuple(subject))


def _add(household: household_pb2.Household, person: household_pb2.Person) -> household_pb2.Person:
    added = household.members.add()
    added.CopyFrom(person)
    # Someone reported into a household is reported to be covered with it.
    added.applying = True
    return added


def _parents(household: household_pb2.Household, reporter: str) -> list[str]:
    """The reporting parent and their spouse; without a reporter, the filers of the first
    tax unit (the household's own parents, as the application set it up)."""
    if reporter:
        return [reporter, *_spouses_of(household, reporter)]
    if household.tax_units:
        return list(household.tax_units[0].filer_person_ids)
    return []


def _spouses_of(household: household_pb2.Household, person_id: str) -> list[str]:
    out = []
    for rel in household.relationships:
        if rel.kind != household_pb2.RELATIONSHIP_KIND_SPOUSE:
            continue
        if rel.person_id == person_id:
            out.append(rel.related_person_id)
        elif rel.related_person_id == person_id:
            out.append(rel.person_id)
    return out


def _unit_of(household: household_pb2.Household, person_id: str) -> household_pb2.TaxUnit | None:
    return next((u for u in household.tax_units if person_id in u.filer_person_ids), None)


def _remove(household: household_pb2.Household, gone: list[str]) -> None:
    if not gone:
        return
    leaving = set(gone)
    kept = [m for m in household.members if m.person_id not in leaving]
    del household.members[:]
    household.members.extend(kept)
    rels = [
        r
        for r in household.relationships
        if r.person_id not in leaving and r.related_person_id not in leaving
    ]
    del household.relationships[:]
    household.relationships.extend(rels)
    units = []
    for unit in household.tax_units:
        filers = [f for f in unit.filer_person_ids if f not in leaving]
        dependents = [d for d in unit.dependent_person_ids if d not in leaving]
        if not filers:
            continue  # its dependents are claimed by nobody in the household now
        rebuilt = household_pb2.TaxUnit(
            tax_unit_id=unit.tax_unit_id,
            filing_status=_status_for(unit.filing_status, filers, dependents),
            filer_person_ids=filers,
            dependent_person_ids=dependents,
        )
        units.append(rebuilt)
    del household.tax_units[:]
    household.tax_units.extend(units)


def _status_for(status: int, filers: list[str], dependents: list[str]) -> int:
    """A joint unit left with one filer files alone: head of household with dependents."""
    if status == household_pb2.FILING_STATUS_MARRIED_FILING_JOINTLY and len(filers) == 1:
        return (
            household_pb2.FILING_STATUS_HEAD_OF_HOUSEHOLD
            if dependents
            else household_pb2.FILING_STATUS_SINGLE
        )
    return status


def _unmarry(household: household_pb2.Household, person_id: str, spouses: list[str]) -> None:
    """End the marriage: no SPOUSE relationship, and a joint unit splits in two."""
    rels = [
        r
        for r in household.relationships
        if not (
            r.kind == household_pb2.RELATIONSHIP_KIND_SPOUSE
            and {r.person_id, r.related_person_id} & {person_id}
            and {r.person_id, r.related_person_id} & set(spouses)
        )
    ]
    del household.relationships[:]
    household.relationships.extend(rels)
    unit = _unit_of(household, person_id)
    if unit is None or len(unit.filer_person_ids) < 2:
        return
    others = [f for f in unit.filer_person_ids if f != person_id]
    dependents = list(unit.dependent_person_ids)
    del unit.filer_person_ids[:]
    unit.filer_person_ids.append(person_id)
    unit.filing_status = _status_for(
        household_pb2.FILING_STATUS_MARRIED_FILING_JOINTLY, [person_id], dependents
    )
    for other in others:
        household.tax_units.add(
            tax_unit_id=f"{unit.tax_unit_id}-{other}"[:64],
            filing_status=household_pb2.FILING_STATUS_SINGLE,
            filer_person_ids=[other],
        )


def _file_jointly(household: household_pb2.Household, one: str, other: str) -> None:
    """Married people file one joint return, claiming both their dependents."""
    units = [u for u in household.tax_units if {one, other} & set(u.filer_person_ids)]
    dependents: list[str] = []
    for unit in units:
        dependents += [d for d in unit.dependent_person_ids if d not in dependents]
    # A spouse claimed as someone's dependent is no longer one.
    dependents = [d for d in dependents if d not in (one, other)]
    unit_id = units[0].tax_unit_id if units else f"{one}-{other}"[:64]
    kept = [
        u
        for u in household.tax_units
        if u not in units and not {one, other} & set(u.dependent_person_ids)
    ]
    for unit in household.tax_units:
        if unit not in units and {one, other} & set(unit.dependent_person_ids):
            remaining = [d for d in unit.dependent_person_ids if d not in (one, other)]
            rebuilt = household_pb2.TaxUnit()
            rebuilt.CopyFrom(unit)
            del rebuilt.dependent_person_ids[:]
            rebuilt.dependent_person_ids.extend(remaining)
            kept.append(rebuilt)
    kept.append(
        household_pb2.TaxUnit(
            tax_unit_id=unit_id,
            filing_status=household_pb2.FILING_STATUS_MARRIED_FILING_JOINTLY,
            filer_person_ids=[one, other],
            dependent_person_ids=dependents,
        )
    )
    copies = [household_pb2.TaxUnit() for _ in kept]
    for copy, unit in zip(copies, kept, strict=True):
        copy.CopyFrom(unit)
    del household.tax_units[:]
    household.tax_units.extend(copies)
