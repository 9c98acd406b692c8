"""The limits every request is held to (shared/limits.py) and the decoder that applies them
(shared/decoding.py): found by one linear walk, whatever the message."""

from __future__ import annotations

import grpc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.common.v1 import household_pb2 as hh
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from shared import limits
from shared.decoding import MALFORMED, Refused, decode
from shared.errors import FieldViolation


def _violations(message) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {v.field: v.description for v in limits.check_message(message)}


def test_a_well_formed_application_breaks_no_limit() -> None:
    request = pb.SubmitApplicationRequest(request_id="r" * 128, plan_year=2027)
    member = request.household.members.add(person_id="p" * 64, ssn="523110042")
    member.name.given = "G" * 100
    member.incomes.add(kind=hh.INCOME_KIND_WAGES, annual_amount_cents=limits.MAX_ABS_CENTS)
    assert _violations(request) == {}


def test_each_kind_of_limit_is_named_at_its_path() -> None:
    request = pb.SubmitApplicationRequest(request_id="r" * 129, programs=[1, 9])
    member = request.household.members.add(person_id="p\x00", citizenship=4)
    member.name.family = "F" * 101
    member.incomes.add(kind=99, annual_amount_cents=-limits.MAX_ABS_CENTS - 1)
    request.household.relationships.add(kind=-1)
    assert _violations(request) == {
        "request_id": "must be at most 128 characters",
        "programs[1]": "9 is not a known Program",
        "household.members[0].person_id": "must not contain NUL characters",
        "household.members[0].name.family": "must be at most 100 characters",
        "household.members[0].citizenship": "4 is not a known CitizenshipStatus",
        "household.members[0].incomes[0].kind": "99 is not a known IncomeKind",
        "household.members[0].incomes[0].annual_amount_cents": (
            f"must be between -{limits.MAX_ABS_CENTS} and {limits.MAX_ABS_CENTS} cents"
        ),
        "household.relationships[0].kind": "-1 is not a known RelationshipKind",
    }


def test_an_agency_takes_the_orchestrator_request_id_with_its_suffix() -> None:
    from eligibility.ssa.v1 import identity_pb2 as ssa_pb

    forwarded = ssa_pb.VerifyIdentityRequest(request_id="r" * 128 + ":ssa")
    assert _violations(forwarded) == {}


def test_a_repeated_field_over_its_cap_is_not_walked_item_by_item() -> None:
    request = pb.SubmitApplicationRequest()
    for _ in range(limits.MAX_HOUSEHOLD_MEMBERS + 1):
        request.household.members.add(person_id="\x00")  # each would be a violation
    assert _violations(request) == {
        "household.members": f"must have at most {limits.MAX_HOUSEHOLD_MEMBERS} items"
    }


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512))
def test_decoding_any_bytes_never_raises(raw: bytes) -> None:
    decoded = decode(pb.SubmitApplicationRequest.FromString, raw, "/test/Method")
    if isinstance(decoded, Refused):
        assert decoded.error.code == grpc.StatusCode.INVALID_ARGUMENT
    else:
        assert isinstance(decoded, pb.SubmitApplicationRequest)
        assert limits.check_message(decoded) == []


def test_bytes_that_are_not_the_message_are_refused_as_malformed() -> None:
    decoded = decode(pb.SubmitApplicationRequest.FromString, b"\x0a\xff\xff", "/test/Method")
    assert isinstance(decoded, Refused)
    assert decoded.error.reason == MALFORMED
    assert "SubmitApplicationRequest" in decoded.error.message


def test_fields_this_version_does_not_know_are_dropped() -> None:
    unknown_field_99 = b"\x9a\x06\x03abc"
    decoded = decode(pb.GetCaseRequest.FromString, unknown_field_99, "/test/Method")
    assert isinstance(decoded, pb.GetCaseRequest)
    assert decoded.SerializeToString() == b""


@pytest.mark.parametrize(
    ("seconds", "nanos"),
    [(253_402_300_800, 0), (-62_135_596_801, 0), (0, -1), (0, 1_000_000_000), (2**63 - 1, 0)],
)
def test_a_timestamp_outside_the_range_a_datetime_can_hold_is_refused(
    seconds: int, nanos: int
) -> None:
    request = treasury_pb.RecordConsentRevocationRequest(request_id="r", consent_id="c")
    request.revoke_time.seconds, request.revoke_time.nanos = seconds, nanos
    (violation,) = limits.check_message(request)
    assert violation.field == "revoke_time"


def test_a_timestamp_at_either_end_of_the_range_passes() -> None:
    for seconds in (-62_135_596_800, 253_402_300_799):
        request = treasury_pb.RecordConsentRevocationRequest(request_id="r", consent_id="c")
        request.revoke_time.seconds, request.revoke_time.nanos = seconds, 999_999_999
        assert limits.check_message(request) == []


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_quick_check_passes_exactly_the_requests_the_full_walk_finds_nothing_in(
    data: st.DataObject,
) -> None:
    from tests.fuzz.generators import any_request, methods

    method = data.draw(st.sampled_from(methods()))
    _, raw = data.draw(any_request(method))
    try:
        message = method.message_class().FromString(raw)
    except Exception:  # noqa: BLE001 - bytes that do not parse have nothing to check
        return
    full: list[FieldViolation] = []
    limits._walk(message, "", full)
    assert limits.within_limits(message) == (full == [])
    assert limits.check_message(message) == full
