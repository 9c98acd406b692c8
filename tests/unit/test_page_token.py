"""ListCases page tokens: only what this service issues is read back."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from services.orchestrator.adapters.repository import decode_page_token, encode_page_token
from services.orchestrator.adapters.tables import CaseRow

CASE_ID = "0123456789abcdef0123456789abcdef"


def _token(created: str, case_id: object = CASE_ID) -> str:
    return base64.urlsafe_b64encode(json.dumps([created, case_id]).encode()).decode()


def test_an_issued_token_reads_back_to_its_place() -> None:
    created = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)
    row = CaseRow(case_id=CASE_ID, created_at=created)  # type: ignore[call-arg]
    assert decode_page_token(encode_page_token(row)) == (created, CASE_ID)


@pytest.mark.parametrize(
    "token",
    [
        _token("2026-11-25T15:00:00"),  # a time without a zone
        _token("2026-11-25T15:00:00+00:00", "x" * 65),
        _token("2026-11-25T15:00:00+00:00", "ab\x00cd"),
        _token("2026-11-25T15:00:00+00:00", 7),
        _token("not a time"),
        "garbage",
    ],
)
def test_a_token_this_service_did_not_issue_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="not one this service issued"):
        decode_page_token(token)
