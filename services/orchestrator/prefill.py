"""Prefill: what a person told an earlier application, still fresh, is not asked again.

A member marked ``reuse_known_facts`` may leave name, birth date, citizenship,
incomes and the address empty; they are filled from that person's stated facts in
the evidence store. Whatever cannot be filled stays empty and intake says so.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from google.protobuf import json_format
from sqlmodel import Session

from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator import evidence as ev
from services.orchestrator.evidence import EvidenceDirectory, Fact
from services.orchestrator.evidence_store import fresh_facts
from services.orchestrator.subjects import Subjects
from shared.validation import SSN_PATTERN

PROFILE_FACTS = (
    "person.name",
    "person.birth_date",
    "person.citizenship",
    "person.incomes",
    "household.address",
)


@dataclass
class Prefilled:
    request: pb.SubmitApplicationRequest
    # (person_id, question) pairs filled from earlier answers; "" for the household.
    filled: set[tuple[str, str]] = field(default_factory=set)


def prefill(
    session: Session, request: pb.SubmitApplicationRequest, subjects: Subjects, now: dt.datetime
) -> Prefilled:
    out = pb.SubmitApplicationRequest()
    out.CopyFrom(request)
    result = Prefilled(out)
    wanting = [m for m in out.household.members if m.reuse_known_facts and SSN_PATTERN.match(m.ssn)]
    if not wanting:
        return result
    known = fresh_facts(
        session, [subjects.ref(m.ssn) for m in wanting], PROFILE_FACTS, now, [ev.ATTESTED]
    )
    for member in wanting:
        ref = subjects.ref(member.ssn)

        def value(fact: str) -> str | None:
            row = known.get((ref, fact))  # noqa: B023 - used at once, inside this iteration
            return row.value if row is not None else None

        pid = member.person_id
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
        if not out.household.address.state_code and (raw := value("household.address")):
            json_format.ParseDict(json.loads(raw), out.household.address)
            result.filled.add(("", "address"))
    return result


def profile_facts(
    household: household_pb2.Household,
    subjects: Subjects,
    directory: EvidenceDirectory,
    now: dt.datetime,
) -> list[Fact]:
    """What each member stated, kept so the next application can be prefilled."""
    address = json.dumps(
        json_format.MessageToDict(household.address, preserving_proto_field_name=True)
    )
    facts: list[Fact] = []
    for m in household.members:
        d = m.birth_date
        stated = {
            "person.name": json.dumps(
                json_format.MessageToDict(m.name, preserving_proto_field_name=True)
            ),
            "person.birth_date": f"{d.year:04d}-{d.month:02d}-{d.day:02d}",
            "person.citizenship": household_pb2.CitizenshipStatus.Name(m.citizenship),
            "person.incomes": json.dumps(
                [json_format.MessageToDict(i, preserving_proto_field_name=True) for i in m.incomes]
            ),
            "household.address": address,
        }
        for name, text in stated.items():
            fact = directory.fact(m.person_id, name, text, ev.ATTESTED, now)
            facts.append(Fact(**{**fact.__dict__, "subject_ref": subjects.ref(m.ssn)}))
    return facts
