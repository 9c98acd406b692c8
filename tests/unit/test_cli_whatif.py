"""The what-if table: a credit not yet known reads "pending", and refusals name the
command's options rather than the request's fields."""

from __future__ import annotations

from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli.client import _as_option
from services.cli.records_cmds import PENDING, WHATIF_OPTIONS, sweep_rows


def _step(cents: int, status: int) -> pb.SweepStep:
    credit = det.ProgramDetermination(
        program=det.PROGRAM_MARKETPLACE, status=status, monthly_benefit_cents=cents
    )
    return pb.SweepStep(
        annual_income_cents=30_000_00,
        determinations=[det.PersonDetermination(person_id="wei", programs=[credit])],
    )


def test_a_pending_credit_reads_pending_not_zero() -> None:
    for plain in (False, True):
        _, rows = sweep_rows([_step(0, det.DETERMINATION_STATUS_PENDING_VERIFICATION)], plain)
        assert rows[0][-2] == PENDING


def test_a_known_credit_and_a_real_zero_read_as_money() -> None:
    _, rows = sweep_rows(
        [
            _step(64_958, det.DETERMINATION_STATUS_PENDING_VERIFICATION),
            _step(0, det.DETERMINATION_STATUS_INELIGIBLE),
        ]
    )
    assert [row[-2] for row in rows] == ["$649.58", "$0.00"]


def test_refusals_name_the_options_typed() -> None:
    assert _as_option("step_cents", WHATIF_OPTIONS) == "--step"
    assert _as_option("must not be below from_annual_cents", WHATIF_OPTIONS) == (
        "must not be below --from"
    )
    # A field inside the household file keeps its own name.
    nested = "household.members[0].person_id"
    assert _as_option(nested, WHATIF_OPTIONS) == nested


def test_a_person_id_a_spreadsheet_would_run_is_written_to_csv_as_text() -> None:
    step = _step(0, det.DETERMINATION_STATUS_INELIGIBLE)
    step.determinations[0].person_id = '=HYPERLINK("http://example.invalid","x")'
    header, _ = sweep_rows([step], plain=True)
    assert header[1].startswith("'=HYPERLINK(")
    header, _ = sweep_rows([step], plain=False)  # the table on screen shows the id as typed
    assert header[1].startswith("=HYPERLINK(")
