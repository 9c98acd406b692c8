"""The rule that settles a data-matching issue once its inconsistency period ran out."""

from __future__ import annotations

import datetime as dt

from eligibility.common.v1 import determination_pb2 as det
from services.orchestrator.domain import inconsistency_period as period

DUE = dt.date(2027, 2, 23)


def _issue(code: str, fact: str = "income.annual") -> period.OpenIssue:
    return period.OpenIssue("p1", fact, code, DUE)


def test_nothing_is_settled_while_the_period_runs_including_its_last_day() -> None:
    assert period.settle(_issue("INCOME_INCONSISTENT"), DUE, 5_000_000) is None


def test_an_income_the_data_contradicts_is_determined_from_the_data_source_figure() -> None:
    settled = period.settle(_issue("INCOME_INCONSISTENT"), DUE + dt.timedelta(days=1), 5_000_000)
    assert settled is not None
    assert (settled.outcome, settled.income_cents) == (period.DATA_FIGURE, 5_000_000)
    assert "45 CFR 155.315(f)(5)" in settled.reason and settled.notice


def test_where_no_source_was_reached_or_holds_a_figure_the_attestation_stands() -> None:
    after = DUE + dt.timedelta(days=1)
    for code in ("INCOME_SOURCE_UNAVAILABLE", "AGENCY_REFUSED", "INCOME_NO_TAX_RECORD"):
        settled = period.settle(_issue(code), after, None)
        assert settled is not None and settled.outcome == period.ATTESTATION_STANDS, code
    # An inconsistency with no figure on file has nothing else to decide on.
    settled = period.settle(_issue("INCOME_INCONSISTENT"), after, None)
    assert settled is not None and settled.outcome == period.ATTESTATION_STANDS


def test_an_identity_the_data_did_not_confirm_ends_the_answers_that_rested_on_it() -> None:
    settled = period.settle(
        _issue("CITIZENSHIP_NOT_VERIFIED", "identity.citizenship"), DUE + dt.timedelta(days=1), None
    )
    assert settled is not None and settled.outcome == period.CONDITIONAL_ENDS
    conditional = det.ProgramDetermination(
        program=det.PROGRAM_MARKETPLACE,
        status=det.DETERMINATION_STATUS_CONDITIONAL,
        monthly_benefit_cents=30_000,
    )
    ended = period.apply(conditional, settled)
    assert (ended.status, ended.monthly_benefit_cents) == (det.DETERMINATION_STATUS_INELIGIBLE, 0)
    assert ended.reasons[-1].code == "INCONSISTENCY_PERIOD_ENDED"


def test_a_standing_attestation_turns_a_pending_answer_into_the_one_given_on_it() -> None:
    settled = period.settle(_issue("INCOME_SOURCE_UNAVAILABLE"), DUE + dt.timedelta(days=1), None)
    assert settled is not None
    pending = det.ProgramDetermination(
        program=det.PROGRAM_MEDICAID,
        status=det.DETERMINATION_STATUS_PENDING_VERIFICATION,
        reasons=[
            det.Reason(
                code="VERIFICATION_PENDING",
                figures={period.ANSWER_ON_ATTESTATION: "DETERMINATION_STATUS_INELIGIBLE"},
            )
        ],
    )
    after = period.apply(pending, settled)
    assert after.status == det.DETERMINATION_STATUS_INELIGIBLE
    assert [r.code for r in after.reasons] == ["ATTESTATION_ACCEPTED"]
    # A program whose own agency never answered has no answer to stand on: still pending.
    unanswered = det.ProgramDetermination(status=det.DETERMINATION_STATUS_PENDING_VERIFICATION)
    assert period.apply(unanswered, settled).status == det.DETERMINATION_STATUS_PENDING_VERIFICATION
