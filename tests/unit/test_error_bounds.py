"""A refusal always fits in the trailers, however many problems and however long the values."""

from __future__ import annotations

import grpc
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import (
    DETAILS_BUDGET_BYTES,
    MAX_LISTED_VIOLATIONS,
    FieldViolation,
    ServiceError,
    invalid_argument,
    to_status,
)

# What gRPC accepts in a peer's trailers by default (grpc.max_metadata_size).
TRAILER_LIMIT_BYTES = 8 * 1024


def _trailer_bytes(status: grpc.Status) -> int:
    """The trailers as sent: binary values base64-encoded, the message percent-encoded."""
    total = len(status.details.encode()) * 3
    for key, value in status.trailing_metadata:
        total += len(key) + (len(value) * 4 // 3 + 4 if isinstance(value, bytes) else len(value))
    return total


texts = st.text(max_size=2_000)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(texts, texts), max_size=300),
    st.text(max_size=5_000),
    st.dictionaries(texts, texts, max_size=20),
)
def test_any_error_fits_in_the_trailers(pairs, message, metadata) -> None:  # type: ignore[no-untyped-def]
    violations = [FieldViolation(f, d) for f, d in pairs]
    error = ServiceError(grpc.StatusCode.INVALID_ARGUMENT, "R" * 500, message, violations, metadata)
    status = to_status(error)
    assert _trailer_bytes(status) < TRAILER_LIMIT_BYTES
    (_, details), *_ = status.trailing_metadata
    assert len(details) <= DETAILS_BUDGET_BYTES


def test_violations_past_the_cap_are_counted_in_the_message() -> None:
    violations = [FieldViolation(f"members[{i}].ssn", "is required") for i in range(250)]
    status = to_status(invalid_argument(violations, "the application has 250 problem(s)"))
    assert status.details.endswith(f"(first {MAX_LISTED_VIOLATIONS} listed, and 230 more)")


def test_a_huge_echoed_value_is_cut_short() -> None:
    status = to_status(invalid_argument([FieldViolation("state_code", "x" * 100_000 + " is bad")]))
    (_, details), *_ = status.trailing_metadata
    assert len(details) < 1_000 and b"xxx..." in details
