"""Tell us once, honestly: what a re-application does not repeat is carried forward, or
asked; it is never read as zero.

A proto3 ``false`` or an unset message cannot say "none" apart from "as before", so for a
member marked ``reuse_known_facts`` pregnancy and disability stay as last stated unless
``ended_facts`` says they ended, a month's work report stays while fresh, and an unset
``household.expenses`` means the expenses stated before. Each carried fact keeps its own
freshness (evidence_directory.yaml). A pregnancy or disability last stated true but gone
stale, or SNAP expenses that are stale or were never stated, are asked for: intake refuses
the application with the field to fill, rather than deciding on a zero.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from google.protobuf import json_format

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.domain.evidence import still_fresh
from shared.errors import FieldViolation
from shared.proto_dict import message_to_dict

PREGNANT, DISABLED, WORK, EXPENSES = (
    "person.pregnant",
    "person.disabled",
    "person.work_activity",
    "household.expenses",
)
CARRIED_FACTS = (PREGNANT, DISABLED, WORK, EXPENSES)
# The burden ledger's questions each carried fact answers.
QUESTIONS = {
    PREGNANT: ("pregnancy",),
    DISABLED: ("disability",),
    WORK: ("work",),
    EXPENSES: ("shelter_costs", "dependent_care", "medical_costs"),
}
_FLAGS = (
    (PREGNANT, "pregnant", household_pb2.CARRIED_FACT_PREGNANCY),
    (DISABLED, "disabled", household_pb2.CARRIED_FACT_DISABILITY),
)


class StoredFact(Protocol):
    """A fact as stated in an earlier application (a row of the evidence store)."""

    id: int | None
    value: str
    obtained_at: dt.datetime
    valid_until: dt.datetime | None


# The newest row of a fact for a member ("" for the household), however old.
Lookup = Callable[[household_pb2.Person, str], StoredFact | None]


@dataclass
class Carried:
    # (person_id, fact) -> the earlier row it was carried from; person_id "" for the household.
    rows: dict[tuple[str, str], StoredFact] = field(default_factory=dict)
    asked: list[FieldViolation] = field(default_factory=list)

    def questions(self) -> set[tuple[str, str]]:
        return {(pid, q) for (pid, fact) in self.rows for q in QUESTIONS[fact]}


def _stated(member: household_pb2.Person, fact: str) -> str:
    if fact == PREGNANT:
        if member.pregnant and member.expected_children > 1:
            # Twins and more keep their count; one child stays plain "true", as rows
            # written before the count was kept read.
            return json.dumps({"pregnant": True, "expected_children": member.expected_children})
        return "true" if member.pregnant else "false"
    if fact == DISABLED:
        return "true" if member.disabled else "false"
    return json.dumps(message_to_dict(member.work_activity))


def stated_true(value: str) -> bool:
    """Whether a stored pregnancy or disability says yes, in either form it is kept in."""
    return value == "true" or value.startswith("{")


def expected_children(value: str) -> int:
    """The children a stored pregnancy expects; 0 (read as one) when it does not say."""
    if not value.startswith("{"):
        return 0
    try:
        count = json.loads(value).get("expected_children", 0)
    except (ValueError, AttributeError):
        return 0
    return count if isinstance(count, int) and count > 0 else 0


def stated_value(
    member: household_pb2.Person, household: household_pb2.Household, fact: str
) -> str | None:
    """The text kept for a fact this application states; None when it states nothing."""
    if fact == EXPENSES:
        if not household.HasField("expenses"):
            return None
        return json.dumps(message_to_dict(household.expenses))
    if fact == WORK and not member.HasField("work_activity"):
        return None
    return _stated(member, fact)


def carry(
    request: pb.SubmitApplicationRequest,
    wanting: list[tuple[int, household_pb2.Person]],
    newest: Lookup,
    now: dt.datetime,
) -> Carried:
    """Fill ``request`` in place for the members in ``wanting`` (index, member)."""
    out = Carried()
    for i, member in wanting:
        path = f"household.members[{i}]"
        ended = set(member.ended_facts)
        for fact, attr, marker in _FLAGS:
            if getattr(member, attr) or marker in ended:
                continue  # stated now: true, or ended
            row = newest(member, fact)
            if row is None or not stated_true(row.value):
                continue  # never said, or said no: the false given is what is known
            if still_fresh(row.valid_until, now):
                setattr(member, attr, True)
                if fact == PREGNANT and not member.expected_children:
                    member.expected_children = expected_children(row.value)
                out.rows[(member.person_id, fact)] = row
            else:
                out.asked.append(
                    FieldViolation(
                        f"{path}.{attr}",
                        f"was stated true on {row.obtained_at:%Y-%m-%d} and is no longer fresh: "
                        f"state it again, or list it in ended_facts",
                    )
                )
        if not member.HasField("work_activity"):
            row = newest(member, WORK)
            if row is not None and still_fresh(row.valid_until, now):
                json_format.ParseDict(json.loads(row.value), member.work_activity)
                out.rows[(member.person_id, WORK)] = row
    household = request.household
    if wanting and not household.HasField("expenses"):
        rows = [r for _, m in wanting if (r := newest(m, EXPENSES)) is not None]
        row = max(rows, key=lambda r: r.id or 0) if rows else None
        if row is not None and still_fresh(row.valid_until, now):
            json_format.ParseDict(json.loads(row.value), household.expenses)
            out.rows[("", EXPENSES)] = row
        elif det.PROGRAM_SNAP in request.programs:
            when = f"last stated on {row.obtained_at:%Y-%m-%d}" if row else "never stated"
            out.asked.append(
                FieldViolation(
                    "household.expenses",
                    f"SNAP needs the household's expenses, {when} and not fresh: give them "
                    "(an empty message if there are none)",
                )
            )
    return out
