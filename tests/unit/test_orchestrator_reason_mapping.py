"""Reasons are stored as the JSON json_format would write, without its reflection."""

from __future__ import annotations

import json

import pytest
from google.protobuf import json_format

from eligibility.common.v1 import determination_pb2 as det
from services.orchestrator.adapters import mapping

REASONS = [
    det.Reason(),
    det.Reason(code="INCOME_BELOW_LIMIT"),
    det.Reason(code="A", message='Ünïcode "quoted"', citation="42 CFR 435.119"),
    det.Reason(code="B", figures={"poverty_line_cents": "1565000", "percent": "131.82"}),
]


@pytest.mark.parametrize("reason", REASONS)
def test_a_stored_reason_is_what_json_format_would_store(reason: det.Reason) -> None:
    assert mapping._reason_dict(reason) == json_format.MessageToDict(
        reason, preserving_proto_field_name=True
    )


def test_determinations_read_back_as_they_were_given() -> None:
    program = det.ProgramDetermination(
        program=det.PROGRAM_MEDICAID,
        status=det.DETERMINATION_STATUS_ELIGIBLE,
        reasons=REASONS,
    )
    (row,) = mapping.determination_rows("case-1", "p1", [program])
    stored = json.loads(row.reasons)
    assert [json_format.ParseDict(r, det.Reason()) for r in stored] == REASONS
    assert list(mapping.program_of(row).reasons) == REASONS
