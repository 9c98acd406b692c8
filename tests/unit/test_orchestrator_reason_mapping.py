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


def test_reasons_read_back_alike_whether_or_not_they_were_just_written() -> None:
    program = det.ProgramDetermination(
        program=det.PROGRAM_SNAP, status=det.DETERMINATION_STATUS_INELIGIBLE, reasons=REASONS
    )
    (row,) = mapping.determination_rows("case-2", "", [program])
    just_written = mapping.program_of(row)
    # A row read from the database later, its text no longer among those just written.
    forgotten = mapping._ReasonsByText(1)
    forgotten.keep("another text", [det.Reason(code="OTHER")])
    assert forgotten.read(row.reasons) == REASONS
    assert list(just_written.reasons) == REASONS


def test_changing_reasons_handed_out_leaves_the_next_reading_unchanged() -> None:
    program = det.ProgramDetermination(program=det.PROGRAM_MEDICAID, reasons=REASONS)
    (row,) = mapping.determination_rows("case-3", "p1", [program])
    mapping.reasons_of(row)[3].figures["percent"] = "999"
    mapping.program_of(row).reasons[2].code = "CHANGED"
    assert mapping.reasons_of(row) == REASONS
    assert list(mapping.program_of(row).reasons) == REASONS


def test_only_the_newest_texts_are_held() -> None:
    held = mapping._ReasonsByText(2)
    for n in range(3):
        held.keep(json.dumps([{"code": f"C{n}"}]), [det.Reason(code=f"C{n}", message="held")])
    # The oldest was let go: it is read from its text (no message in it), the others held.
    assert held.read(json.dumps([{"code": "C0"}])) == [det.Reason(code="C0")]
    assert held.read(json.dumps([{"code": "C2"}])) == [det.Reason(code="C2", message="held")]
