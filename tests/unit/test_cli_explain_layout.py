"""`elig explain` on a narrow terminal: a reason's wrapped lines, its code and its figures
stay indented under their bullet instead of running back to the margin."""

from __future__ import annotations

from rich.console import Console

from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli import render

REASON = det.Reason(
    code="MEDICAID_INCOME_WITHIN_LIMIT",
    message="Household income is 112.78% of the poverty line, within CA's 138% limit for"
    " adults in the expansion group.",
    citation="42 CFR 435.119; 42 CFR 435.603",
    figures={
        "group": "expansion_adults",
        "household_magi_cents": "1800000",
        "household_rule": "tax_filer",
        "limit_percent_of_poverty_line": "138.00",
    },
)


def test_every_line_of_a_reason_stays_under_its_bullet() -> None:
    medicaid = det.ProgramDetermination(
        program=det.PROGRAM_MEDICAID, status=det.DETERMINATION_STATUS_ELIGIBLE, reasons=[REASON]
    )
    case = pb.Case(
        case_id="c1",
        plan_year=2027,
        determinations=[det.PersonDetermination(person_id="wei", programs=[medicaid])],
    )
    console = Console(record=True, width=70)
    render.explain(console, case)
    lines = console.export_text().splitlines()
    bullet = next(i for i, line in enumerate(lines) if line.startswith("  • "))
    under = lines[bullet + 1 :]
    assert len(under) > 3  # the reason, its figures and its source wrapped at 70 columns
    assert all(line.startswith("    ") for line in under), "\n".join(lines)
    assert any("(MEDICAID_INCOME_WITHIN_LIMIT)" in line for line in lines)
    figures = next(i for i, line in enumerate(under) if "figures:" in line)
    assert under[figures + 1].startswith(" " * len("    figures: "))
