"""shared.proto_dict gives exactly what json_format.MessageToDict gives (field names as in
the .proto): stored facts written either way read alike and compare equal as text."""

from __future__ import annotations

import json

import pytest
from google.protobuf import json_format
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2 as h
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from shared.proto_dict import message_to_dict


def _expected(message: Message) -> dict[str, object]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _parts(message: Message) -> list[Message]:
    """The message and every message inside it."""
    found = [message]
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        for item in value if field.is_repeated else [value]:
            if isinstance(item, Message):
                found += _parts(item)
    return found


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_every_part_of_every_example_application_converts_alike(path) -> None:  # type: ignore[no-untyped-def]
    for part in _parts(load_request(path, "r-1")):
        assert message_to_dict(part) == _expected(part), type(part).__name__
        # Stored as text: the same text, keys in the same order.
        assert json.dumps(message_to_dict(part)) == json.dumps(_expected(part))


def test_edges_convert_alike() -> None:
    samples: list[Message] = [
        h.Person(),
        h.Income(kind=999, annual_amount_cents=-(2**63)),  # a number no name is known for
        h.Income(annual_amount_cents=2**63 - 1),
        h.HouseholdExpenses(pays_heating_or_cooling=True, monthly_shelter_cents=0),
        h.WorkActivity(exemptions=[1, 2, 77]),
        # Maps and doubles are json_format's own: the same answer, through it.
        det.Reason(code="C", figures={"b": "2", "a": "1"}),
        pb.BurdenReport(minutes_per_question=2.5, minutes_saved=float("inf")),
    ]
    for sample in samples:
        assert message_to_dict(sample) == _expected(sample), sample


@settings(max_examples=200, deadline=None)
@given(
    given_name=st.text(),
    family=st.text(),
    kind=st.integers(min_value=0, max_value=2**31 - 1),
    cents=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    hours=st.lists(st.integers(min_value=-(2**31), max_value=2**31 - 1), max_size=4),
)
def test_generated_members_convert_alike(given_name, family, kind, cents, hours) -> None:  # type: ignore[no-untyped-def]
    person = h.Person(
        person_id=given_name[:8],
        name=h.PersonName(given=given_name, family=family),
        incomes=[h.Income(kind=kind, annual_amount_cents=cents)] * 2,
        work_activity=h.WorkActivity(
            monthly_work_hours=hours[0] if hours else 0, exemptions=[abs(x) % 9 for x in hours]
        ),
    )
    assert message_to_dict(person) == _expected(person)
