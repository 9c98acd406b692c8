"""The CLI labels an estimated premium tax credit in the case table and the explanation."""

from __future__ import annotations

from rich.console import Console

from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli import render


def _case(code: str) -> pb.Case:
    market = det.ProgramDetermination(
        program=det.PROGRAM_MARKETPLACE,
        status=det.DETERMINATION_STATUS_PENDING_VERIFICATION,
        monthly_benefit_cents=64_958,
        reasons=[det.Reason(code=code, message="ESTIMATE: uprated", citation="26 CFR 1.36B-3(f)")],
    )
    return pb.Case(
        case_id="c1",
        plan_year=2027,
        determinations=[det.PersonDetermination(person_id="maria", programs=[market])],
    )


def _text(case: pb.Case, explain: bool = False) -> str:
    console = Console(record=True, width=200)
    if explain:
        render.explain(console, case)
    else:
        console.print(render.case_table(case))
    return console.export_text()


def test_an_estimated_credit_says_estimate_in_the_table_and_the_explanation() -> None:
    case = _case("BENCHMARK_ESTIMATED")
    assert "APTC $649.58/mo ESTIMATE" in _text(case)
    assert "APTC $649.58/mo ESTIMATE" in _text(case, explain=True)


def test_a_credit_on_a_published_benchmark_is_not_called_an_estimate() -> None:
    case = _case("APTC_COMPUTED")
    assert "ESTIMATE" not in _text(case).replace("ESTIMATE: uprated", "")
