"""What a recheck's or a renewal's notice says, as pure functions: from which day its
answers hold, and which agencies are told."""

from __future__ import annotations

import datetime as dt

from services.orchestrator.adapters.tables import DeterminationRow
from services.orchestrator.usecases.redetermination_notices import effective_on
from services.orchestrator.usecases.settlement_notices import agencies_told


def test_a_notice_is_effective_on_the_day_the_new_answers_hold_from() -> None:
    # A recheck during its plan year: its own day.
    assert effective_on(2026, dt.date(2026, 11, 25)) == dt.date(2026, 11, 25)
    # A renewal in the autumn for next year: that year's first day.
    assert effective_on(2027, dt.date(2026, 11, 25)) == dt.date(2027, 1, 1)
    # A renewal made late, once its year has begun: from its own day, not back to January.
    assert effective_on(2027, dt.date(2027, 2, 10)) == dt.date(2027, 2, 10)


def _row(person: str, program: str, status: str, cents: int = 0) -> DeterminationRow:
    return DeterminationRow(
        case_id="c",
        person_id=person,
        program=program,
        status=status,
        monthly_benefit_cents=cents,
        reasons="[]",
    )


def test_only_the_agencies_whose_answers_moved_are_told() -> None:
    before = [
        _row("ana", "PROGRAM_MEDICAID", "DETERMINATION_STATUS_PENDING_VERIFICATION"),
        _row("", "PROGRAM_SNAP", "DETERMINATION_STATUS_ELIGIBLE", 54_600),
    ]
    same = [_row(r.person_id, r.program, r.status, r.monthly_benefit_cents) for r in before]
    assert agencies_told(before, same) == []
    hhs_moved = [_row("ana", "PROGRAM_MEDICAID", "DETERMINATION_STATUS_ELIGIBLE"), same[1]]
    assert agencies_told(before, hhs_moved) == ["hhs"]
    both = [hhs_moved[0], _row("", "PROGRAM_SNAP", "DETERMINATION_STATUS_ELIGIBLE", 20_000)]
    assert agencies_told(before, both) == ["hhs", "usda"]
