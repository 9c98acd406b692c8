"""Life events written by people (YAML or command-line flags) <-> the contract's LifeEvent.

``kind: birth``, ``date: 2026-11-20``, and the fields the kind reads: ``person``,
``new_member`` (a member as in a household file), ``spouse``, ``departing``, ``incomes``
(``[{kind: wages, annual: "52000.00"}]``), ``address`` and ``expenses`` (as in a household
file), ``expected_children``, ``age``. Problems are named with their path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eligibility.common.v1 import household_pb2
from eligibility.common.v1 import life_event_pb2 as le
from services.harness.households import (
    HouseholdFileError,
    _cents,
    _date,
    _enum,
    listed,
    mappings,
    request_from_dict,
)
from services.harness.yaml_file import FileProblem, read_mapping
from shared.change_notice import ANSWERS_ONLY

PREFIX = "LIFE_EVENT_KIND_"
# What a person can report; the orchestrator's own notice kinds are refused in an event.
REPORTABLE = tuple(
    name.removeprefix(PREFIX).lower()
    for name, number in le.LifeEventKind.items()
    if number and number not in ANSWERS_ONLY
)


def _kind(raw: object) -> int:
    allowed = ", ".join(REPORTABLE)
    if not str(raw or "").strip():
        raise HouseholdFileError(f"kind: missing; give one of: {allowed}")
    try:
        kind = _enum(le.LifeEventKind, PREFIX, raw, "kind")
    except HouseholdFileError:
        raise HouseholdFileError(f"kind: {raw!r} is not one of: {allowed}") from None
    if kind in ANSWERS_ONLY:
        raise HouseholdFileError(
            f"kind: {raw!r} is a notice the orchestrator sends, not a change to report;"
            f" give one of: {allowed}"
        )
    return kind


def event_from_dict(data: dict[str, Any]) -> le.LifeEvent:
    event = le.LifeEvent(
        kind=_kind(data.get("kind")),
        person_id=str(data.get("person", "") or ""),
        spouse_person_id=str(data.get("spouse", "") or ""),
        departing_person_ids=[str(p) for p in listed(data.get("departing"), "departing")],
    )
    if "date" in data:
        event.effective_date.CopyFrom(_date(data["date"], "date"))
    if data.get("new_member"):
        if not isinstance(data["new_member"], dict):
            raise HouseholdFileError("new_member: expected a member (id, ssn, name, ...)")
        member = request_from_dict({"members": [data["new_member"]]}).household.members[0]
        event.new_member.CopyFrom(member)
    for j, income in enumerate(mappings(data.get("incomes"), "incomes")):
        event.incomes.add(
            kind=_enum(
                household_pb2.IncomeKind, "INCOME_KIND_", income.get("kind"), f"incomes[{j}].kind"
            ),
            annual_amount_cents=_cents(income.get("annual"), f"incomes[{j}].annual"),
        )
    if data.get("address"):
        household = request_from_dict({"address": data["address"]}).household
        event.new_address.CopyFrom(household.address)
    if data.get("expenses"):
        household = request_from_dict({"expenses": data["expenses"]}).household
        event.new_expenses.CopyFrom(household.expenses)
    try:
        event.expected_children = int(data.get("expected_children", 0) or 0)
        event.age_reached = int(data.get("age", 0) or 0)
    except (TypeError, ValueError):
        raise HouseholdFileError("expected_children and age are whole numbers") from None
    return event


def load_event(path: Path) -> le.LifeEvent:
    try:
        data = read_mapping(path, "kind, date and the change")
    except FileProblem as problem:
        raise HouseholdFileError(str(problem)) from None
    try:
        return event_from_dict(data)
    except HouseholdFileError as error:
        raise HouseholdFileError(f"{path}: {error}") from None
