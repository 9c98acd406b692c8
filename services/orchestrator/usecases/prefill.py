"""Prefill: what a person told an earlier application, still fresh, is not asked again.

A member marked ``reuse_known_facts`` may leave name, birth date, citizenship, incomes
and the address empty; they are filled from that person's stated facts in the evidence
store. Pregnancy, disability, the month's work and the household's expenses are carried
forward too, or asked (carry_forward.py). Whatever cannot be filled stays empty and
intake says so. A filled fact is kept with the provenance it was first stated under, so
carrying it forward never makes it look fresher than it is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field

from google.protobuf import json_format
from sqlmodel import Session

from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.adapters.evidence_store import (
    db_time,
    fresh_facts,
    is_fresh,
    original_id,
)
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import EvidenceRow
from services.orchestrator.domain import carry_forward
from services.orchestrator.domain import evidence as ev
from services.orchestrator.domain.evidence import EvidenceDirectory, Fact
from shared.errors import FieldViolation
from shared.proto_dict import message_to_dict
from shared.validation import SSN_PATTERN

STATED_FACTS = (
    "person.name",
    "person.birth_date",
    "person.citizenship",
    "person.incomes",
    "household.address",
)
PROFILE_FACTS = (*STATED_FACTS, *carry_forward.CARRIED_FACTS)
HOUSEHOLD_FACTS = ("household.address", carry_forward.EXPENSES)


@dataclass
class Prefilled:
    request: pb.SubmitApplicationRequest
    # (person_id, question) pairs filled from earlier answers; "" for the household.
    filled: set[tuple[str, str]] = field(default_factory=set)
    # (person_id, fact) -> the earlier row a value was filled from; "" for the household.
    carried: dict[tuple[str, str], EvidenceRow] = field(default_factory=dict)
    # What could be neither carried forward nor left out: the person must say.
    asked: list[FieldViolation] = field(default_factory=list)


def prefill(
    session: Session, request: pb.SubmitApplicationRequest, subjects: Subjects, now: dt.datetime
) -> Prefilled:
    out = pb.SubmitApplicationRequest()
    out.CopyFrom(request)
    result = Prefilled(out)
    wanting = [
        (i, m)
        for i, m in enumerate(out.household.members)
        if m.reuse_known_facts and SSN_PATTERN.match(m.ssn)
    ]
    if not wanting:
        return result
    refs = [subjects.ref(m.ssn) for _, m in wanting]
    known = fresh_facts(session, refs, STATED_FACTS, now, [ev.ATTESTED])
    for _, member in wanting:
        _fill_stated(result, member, subjects.ref(member.ssn), known)
    newest = fresh_facts(
        session, refs, ("person.incomes", *carry_forward.CARRIED_FACTS), None, [ev.ATTESTED]
    )
    carried = carry_forward.carry(
        out, wanting, lambda m, fact: newest.get((subjects.ref(m.ssn), fact)), now
    )
    result.filled |= carried.questions()
    result.carried.update(carried.rows)
    result.asked = carried.asked
    for i, member in wanting:
        # Incomes stated before but gone stale are asked again, not taken to be none.
        row = newest.get((subjects.ref(member.ssn), "person.incomes"))
        if not member.incomes and row is not None and row.value != "[]" and not is_fresh(row, now):
            result.asked.append(
                FieldViolation(
                    f"household.members[{i}].incomes",
                    f"were stated on {row.obtained_at:%Y-%m-%d} and are no longer fresh: "
                    "give this member's incomes again",
                )
            )
    return result


def _fill_stated(
    result: Prefilled,
    member: household_pb2.Person,
    ref: str,
    known: dict[tuple[str, str], EvidenceRow],
) -> None:
    pid, out = member.person_id, result.request

    def value(fact: str, owner: str = pid) -> str | None:
        row = known.get((ref, fact))
        if row is None:
            return None
        result.carried[(owner, fact)] = row
        return row.value

    if not (member.name.given or member.name.family) and (raw := value("person.name")):
        json_format.ParseDict(json.loads(raw), member.name)
        result.filled.add((pid, "name"))
    if not member.birth_date.year and (raw := value("person.birth_date")):
        born = dt.date.fromisoformat(raw)
        member.birth_date.year, member.birth_date.month, member.birth_date.day = (
            born.year,
            born.month,
            born.day,
        )
        result.filled.add((pid, "birth_date"))
    if not member.citizenship and (raw := value("person.citizenship")):
        member.citizenship = household_pb2.CitizenshipStatus.Value(raw)
        result.filled.add((pid, "citizenship"))
    if not member.incomes and (raw := value("person.incomes")) is not None:
        for item in json.loads(raw):
            json_format.ParseDict(item, member.incomes.add())
        result.filled.add((pid, "income"))
    if not out.household.address.state_code and (raw := value("household.address", "")):
        json_format.ParseDict(json.loads(raw), out.household.address)
        result.filled.add(("", "address"))


def profile_facts(
    household: household_pb2.Household,
    subjects: Subjects,
    directory: EvidenceDirectory,
    now: dt.datetime,
    carried: dict[tuple[str, str], EvidenceRow] | None = None,
) -> list[Fact]:
    """What each member stated, kept so the next application can be prefilled. A value
    carried forward keeps the time it was stated and its expiry, and points back at it."""
    carried = carried or {}
    address = json.dumps(message_to_dict(household.address))
    facts: list[Fact] = []
    for m in household.members:
        d = m.birth_date
        ref = subjects.ref(m.ssn)
        stated: dict[str, str | None] = {
            "person.name": json.dumps(message_to_dict(m.name)),
            "person.birth_date": f"{d.year:04d}-{d.month:02d}-{d.day:02d}",
            "person.citizenship": household_pb2.CitizenshipStatus.Name(m.citizenship),
            "person.incomes": json.dumps([message_to_dict(i) for i in m.incomes]),
            "household.address": address,
            **{
                name: carry_forward.stated_value(m, household, name)
                for name in carry_forward.CARRIED_FACTS
            },
        }
        for name, text in stated.items():
            if text is None:
                continue  # not stated: nothing is recorded, so nothing is carried as zero
            fact = directory.fact(m.person_id, name, text, ev.ATTESTED, now, subject_ref=ref)
            earlier = carried.get(("" if name in HOUSEHOLD_FACTS else m.person_id, name))
            if earlier is not None:
                fact = dataclasses.replace(
                    fact,
                    obtained_at=db_time(earlier.obtained_at),
                    valid_until=db_time(earlier.valid_until) if earlier.valid_until else None,
                    reused_from=original_id(earlier),
                )
            facts.append(fact)
    return facts
