"""Text that would act on a screen instead of being shown is refused at the door: terminal
escape sequences (ESC, CSI) and other control characters, and the bidirectional overrides
that make a name or an id read other than it is stored. A household holding one would
otherwise be stored, and later clear, retitle or rewrite the terminal of whoever runs
`elig case` on it. Real names (accents, apostrophes, hyphens, right-to-left scripts) pass."""

from __future__ import annotations

import grpc
import pytest

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.harness.households import example_paths, load_request
from shared.errors import details_of
from shared.limits import UNSAFE_CHARS_MESSAGE


def _example(request_id: str) -> pb.SubmitApplicationRequest:
    return load_request(next(p for p in example_paths() if "chen" in p.name), request_id)


HOSTILE = [
    ("given", "Wei\x1b[2J\x1b[H"),  # clears the screen
    ("given", "Wei\x1b]0;owned\x07"),  # retitles the terminal window
    ("family", "Chen\x9b31m"),  # a one-byte CSI
    ("person_id", "wei\u202e"),  # right-to-left override
    ("person_id", "wei\u2066x\u2069"),  # an isolate
    ("request_id", "chen\x08\x08\x08ok"),  # backspaces over what was shown
]


@pytest.mark.parametrize(("field", "value"), HOSTILE)
async def test_control_and_override_characters_are_refused(coordination, field, value) -> None:  # type: ignore[no-untyped-def]
    request = _example("chen-hostile")
    member = request.household.members[0]
    if field == "person_id":
        old = member.person_id
        member.person_id = value
        for unit in request.household.tax_units:
            unit.filer_person_ids[:] = [value if p == old else p for p in unit.filer_person_ids]
        for consent in request.consents:
            if consent.person_id == old:
                consent.person_id = value
        where = "household.members[0].person_id"
    elif field == "request_id":
        request.request_id = value
        where = "request_id"
    else:
        setattr(member.name, field, value)
        where = f"household.members[0].name.{field}"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await coordination.orchestrator.SubmitApplication(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = {v.field: v.description for v in details_of(caught.value).violations}
    assert violations.get(where) == UNSAFE_CHARS_MESSAGE, violations


async def test_real_names_in_any_script_are_taken(coordination) -> None:  # type: ignore[no-untyped-def]
    request = _example("chen-real-names")
    request.household.members[0].name.given = "Zoë-Anne O'Brien"
    request.household.members[0].name.family = "\u0627\u0644\u0639\u0644\u064a\u200f Núñez"
    case = (await coordination.orchestrator.SubmitApplication(request)).case
    assert case.case_id
