"""The CLI's disclosure report: each agency request folded into how it ended."""

from __future__ import annotations

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.cli.disclosures import NO_OUTCOME, fold


def _entry(seq: int, outcome: str, actor: str = "treasury", case: str = "c1") -> pb.Disclosure:
    return pb.Disclosure(
        seq=seq,
        actor_service=actor,
        case_id=case,
        purpose="eligibility-determination",
        facts=["ssn", "name"],
        outcome=outcome,
    )


def test_a_request_and_its_outcome_read_as_one_line_where_the_outcome_stands() -> None:
    lines = fold([_entry(1, "REQUESTED"), _entry(2, "REQUESTED", "ssa"), _entry(3, "DISCLOSED")])
    assert [(line.seqs, line.outcome) for line in lines] == [
        ("2", NO_OUTCOME),
        ("1+3", "DISCLOSED"),
    ]


def test_a_request_with_no_recorded_outcome_stays_visible() -> None:
    (line,) = fold([_entry(5, "REQUESTED")])
    assert (line.seqs, line.outcome) == ("5", NO_OUTCOME)


def test_outcomes_pair_with_requests_of_the_same_case_only_and_oldest_first() -> None:
    lines = fold(
        [
            _entry(1, "REQUESTED", case="c1"),
            _entry(2, "REQUESTED", case="c2"),
            _entry(3, "REQUESTED", case="c1"),
            _entry(4, "FAILED", case="c1"),
            _entry(5, "DISCLOSED", case="c2"),
        ]
    )
    assert [(line.seqs, line.outcome) for line in lines] == [
        ("3", NO_OUTCOME),
        ("1+4", "FAILED"),
        ("2+5", "DISCLOSED"),
    ]


def test_entries_without_a_request_pass_through_unchanged() -> None:
    entries = [_entry(1, "REFUSED"), _entry(2, "DISCLOSED", "orchestrator-cli")]
    assert [(line.seqs, line.outcome) for line in fold(entries)] == [
        ("1", "REFUSED"),
        ("2", "DISCLOSED"),
    ]
