"""What a new user reads: a reason for every program, programs not asked for marked as such,
age bands in words, and example descriptions whole."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli import records_cmds, render
from services.cli.main import app
from services.hhs.medicaid import group_label


def _program(program: int, status: int, message: str) -> det.ProgramDetermination:
    return det.ProgramDetermination(
        program=program, status=status, reasons=[det.Reason(code="X", message=message)]
    )


def _case(asked: list[int]) -> pb.Case:
    person = det.PersonDetermination(
        person_id="sofia",
        programs=[
            _program(det.PROGRAM_MEDICAID, det.DETERMINATION_STATUS_ELIGIBLE, "medicaid-why"),
            _program(det.PROGRAM_CHIP, det.DETERMINATION_STATUS_INELIGIBLE, "chip-why"),
            _program(det.PROGRAM_MARKETPLACE, det.DETERMINATION_STATUS_INELIGIBLE, "market-why"),
        ],
    )
    return pb.Case(case_id="c1", plan_year=2027, programs=asked, determinations=[person])


def _table(case: pb.Case) -> str:
    console = Console(record=True, width=250)
    console.print(render.case_table(case))
    return console.export_text()


def test_the_case_table_gives_each_program_its_own_reason() -> None:
    text = _table(_case([det.PROGRAM_MEDICAID, det.PROGRAM_CHIP, det.PROGRAM_MARKETPLACE]))
    for line in ("Medicaid: medicaid-why", "CHIP: chip-why", "Marketplace: market-why"):
        assert line in text
    assert render.ALSO_ASSESSED not in text


def test_programs_not_asked_for_are_marked_also_assessed() -> None:
    case = _case([det.PROGRAM_MARKETPLACE])
    text = _table(case)
    assert "Medicaid (also assessed): medicaid-why" in text
    assert "CHIP (also assessed): chip-why" in text
    assert "Marketplace: market-why" in text
    console = Console(record=True, width=250)
    render.explain(console, case)
    explained = console.export_text()
    assert "sofia · Medicaid: eligible (also assessed)" in explained
    assert "sofia · Marketplace: ineligible\n" in explained


def test_medicaid_groups_read_as_words() -> None:
    assert group_label("children_6_18") == "children aged 6 to 18"
    assert group_label("children_1_5") == "children aged 1 to 5"
    assert group_label("expansion_adults") == "adults in the expansion group"


def test_examples_print_each_description_whole() -> None:
    result = CliRunner().invoke(app, ["examples"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.replace("│", " ").split())
    # The Rivera file's description runs over three comment lines.
    assert "the parents for Marketplace coverage with a premium tax credit." in flat


# Ids minted within a minute of each other share their first eight characters.
TWINS = ("01a22bdbf380be4460a1e3f66608763d", "01a22bdbf3c0b33134e94ae5d64cf861")


def _text(table: Table, width: int) -> str:
    console = Console(record=True, width=width)
    console.print(table)
    return console.export_text()


def test_cases_show_every_case_id_whole_even_on_a_narrow_terminal() -> None:
    reply = pb.ListCasesResponse(
        cases=[pb.Case(case_id=i, plan_year=2027, programs=[det.PROGRAM_SNAP]) for i in TWINS]
    )
    for width in (80, 120):
        text = _text(render.cases_table(reply), width)
        assert all(case_id in text for case_id in TWINS), text


def test_disclosures_name_each_case_and_time_whole() -> None:
    when = Timestamp(seconds=1_796_032_165)  # 2026-11-30T09:49:25Z
    reply = pb.GetDisclosureReportResponse(
        disclosures=[
            pb.Disclosure(seq=n, time=when, actor_service="ssa", case_id=case_id, outcome="X")
            for n, case_id in enumerate(TWINS, 1)
        ]
    )
    text = _text(records_cmds.disclosures_table(reply, raw=True), 200)
    assert all(case_id in text for case_id in TWINS), text
    assert "2026-11-30T09:49:25Z" in text
