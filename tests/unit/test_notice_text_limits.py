"""A change notice's many short texts (its answers' reasons, their figures by name, the
members left out) are held to the same limits as any string, each found and named, with
one bad character anywhere among clean ones (shared/limits.py checks them together)."""

from __future__ import annotations

import pytest

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as hhs_pb
from shared import limits


def _request() -> hhs_pb.ReceiveChangeRequest:
    notice = le.ChangeNotice(idempotency_key="k", case_id="c", subjects=[{"person_id": "ana"}])
    answer = notice.determinations.add(person_id="ana").programs.add(program=det.PROGRAM_MEDICAID)
    for i in range(3):
        reason = answer.reasons.add(code=f"CODE_{i}", message="a sentence", citation="42 CFR")
        reason.figures.update({f"figure_{j}": str(j * 100) for j in range(5)})
    notice.left_person_ids.extend(["ana", "bo"])
    return hhs_pb.ReceiveChangeRequest(request_id="k", notice=notice)


def _fields(request: hhs_pb.ReceiveChangeRequest) -> list[str]:
    return [v.field for v in limits.check_message(request)]


def test_a_notice_with_clean_reasons_and_figures_breaks_no_limit() -> None:
    assert _fields(_request()) == []


FIGURES = "notice.determinations[0].programs[0].reasons[1].figures"


@pytest.mark.parametrize(
    ("spoil", "field"),
    [
        (lambda r: r.figures.__setitem__("figure_2", "12\x1b[2J"), f"{FIGURES}['figure_2']"),
        (lambda r: r.figures.__setitem__("bad\u202ename", "1"), f"{FIGURES}['bad\\u202ename']"),
        (lambda r: r.figures.__setitem__("figure_3", "9" * 257), f"{FIGURES}['figure_3']"),
        (lambda r: r.figures.__setitem__("k" * 257, "1"), f"{FIGURES}['{'k' * 38}"),
    ],
    ids=["escape in a figure", "override in a figure's name", "long figure", "long name"],
)
def test_one_bad_figure_among_clean_ones_is_named(spoil, field) -> None:  # type: ignore[no-untyped-def]
    request = _request()
    spoil(request.notice.determinations[0].programs[0].reasons[1])
    assert limits.within_limits(request) is False
    (found,) = _fields(request)
    assert found.startswith(field)


@pytest.mark.parametrize("value", ["bo\x07", "b" * 65])
def test_a_bad_member_left_out_is_named(value: str) -> None:
    request = _request()
    request.notice.left_person_ids[1] = value
    assert limits.within_limits(request) is False
    assert _fields(request) == ["notice.left_person_ids[1]"]
