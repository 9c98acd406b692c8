"""When a data-matching issue's inconsistency period runs out, the rule settles it.

How we read the rules:
- 45 CFR 155.315(f)(2)(ii): the person has 90 days from the notice to resolve an
  inconsistency; (f)(4): meanwhile the Exchange acts on the attestation (the conditional
  answer). (f)(5): if, after that period, the Exchange remains unable to verify the
  attestation, it determines eligibility "based on the information available from the data
  sources" and tells the person, including that the attestation could not be verified. For
  income, 155.320(c)(3)(vi)(F) says the same: the data source's figure decides.
- Medicaid and CHIP: 42 CFR 435.952(c)(2) has the agency seek an explanation or documents
  when attested income is not reasonably compatible with the data; without them, the
  determination rests on the information the agency holds (the data source), with notice
  (42 CFR 435.917, and 431.211 before benefits are reduced or ended).
- Where no data source could be reached at all, "the information available from the data
  sources" is nothing that contradicts the person: the attestation stands (155.315(f)(5);
  for Medicaid, 42 CFR 435.945(a) lets the agency accept attestation). A source that answered
  but holds no record for the person is the same: it offers no figure to decide on.
- An identity, citizenship or death issue the data contradicts (the source answered and did
  not confirm): after the period, the answers that rested on the attestation end
  (155.315(f)(5); 42 CFR 435.956(b) for citizenship).
The case-by-case exception of 155.315(g) (documents that do not exist) is a caseworker's
decision, not a clock's: it is not taken here.

Pure: issues and determinations in, settlements and adjusted determinations out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from eligibility.common.v1 import determination_pb2 as det

# What the rule did with an issue.
DATA_FIGURE = "DATA_FIGURE"  # determined again from the data source's figure
ATTESTATION_STANDS = "ATTESTATION_STANDS"  # no source could say otherwise
CONDITIONAL_ENDS = "CONDITIONAL_ENDS"  # the data did not confirm the attestation

# Reason codes where no source could be reached (or it declined to answer for now).
_UNREACHED = {"INCOME_SOURCE_UNAVAILABLE", "IDENTITY_SOURCE_UNAVAILABLE", "AGENCY_REFUSED"}
# The figure a pending answer carries: what HHS or USDA said on the attestation.
ANSWER_ON_ATTESTATION = "answer_on_attestation"

_AFTER_PERIOD = "45 CFR 155.315(f)(5)"
_CITATIONS = {
    DATA_FIGURE: f"{_AFTER_PERIOD}; 45 CFR 155.320(c)(3)(vi)(F); 42 CFR 435.952(c)(2)",
    ATTESTATION_STANDS: f"{_AFTER_PERIOD}; 42 CFR 435.945(a)",
    CONDITIONAL_ENDS: f"{_AFTER_PERIOD}; 42 CFR 435.956(b); 42 CFR 435.952(c)(2)",
}


@dataclass(frozen=True)
class OpenIssue:
    person_id: str
    fact: str
    reason_code: str
    due_date: dt.date


@dataclass(frozen=True)
class Settlement:
    issue: OpenIssue
    outcome: str
    citation: str
    # For the case history and the caseworker: what the rule did and why.
    reason: str
    # What the person is told (155.310(g); 42 CFR 435.917).
    notice: str
    # DATA_FIGURE: the annual income (cents) the determination now uses for the issue's
    # tax unit: the data source's figure.
    income_cents: int | None = None


def past_due(issue: OpenIssue, today: dt.date) -> bool:
    """The period ends on its due date; the rule applies from the day after."""
    return today > issue.due_date


def settle(issue: OpenIssue, today: dt.date, source_income_cents: int | None) -> Settlement | None:
    """What the rule does with ``issue`` on ``today``: None while its period runs.
    ``source_income_cents`` is the data source's figure for the issue's tax unit, when a
    source answered with one."""
    if not past_due(issue, today):
        return None
    due = issue.due_date.isoformat()
    if issue.reason_code in _UNREACHED:
        return _settled(
            issue,
            ATTESTATION_STANDS,
            f"no data source could be reached by {due}; the attested {_what(issue)} stands",
            f"We could not check your {_what(issue)} with our data sources by {due}. "
            "We have accepted what you told us, and your eligibility no longer depends on it.",
        )
    if issue.fact == "income.annual":
        if issue.reason_code == "INCOME_INCONSISTENT" and source_income_cents is not None:
            return _settled(
                issue,
                DATA_FIGURE,
                f"the inconsistency was not resolved by {due}; eligibility is determined "
                "from the data source's income (the latest tax return)",
                f"You did not send proof of the income you told us by {due}. We have "
                "determined your eligibility again using the income on your latest tax "
                "return. If this is wrong, send proof of your current income or ask for a "
                "hearing.",
                source_income_cents,
            )
        # No source figure to decide on (no record, no consent, identity unchecked, or
        # the figure is not on file): the information available is the attestation.
        return _settled(
            issue,
            ATTESTATION_STANDS,
            f"no data source holds a figure for this income by {due}; the attested income stands",
            f"Our data sources hold no income figure for you, and none arrived by {due}. "
            "We have accepted the income you told us.",
        )
    return _settled(
        issue,
        CONDITIONAL_ENDS,
        f"the data did not confirm the attested {_what(issue)} by {due}; "
        "the answers that rested on it end",
        f"We could not confirm your {_what(issue)} by {due}. The coverage or benefits that "
        "depended on it end. Send proof to apply again, or ask for a hearing.",
    )


def _what(issue: OpenIssue) -> str:
    return {
        "income.annual": "income",
        "identity.ssn_match": "identity",
        "identity.citizenship": "citizenship",
        "identity.death": "information",
    }.get(issue.fact, issue.fact)


def _settled(
    issue: OpenIssue, outcome: str, reason: str, notice: str, income: int | None = None
) -> Settlement:
    citation = _CITATIONS[outcome]
    return Settlement(issue, outcome, citation, f"{reason} ({citation})", notice, income)


def apply(program: det.ProgramDetermination, settlement: Settlement) -> det.ProgramDetermination:
    """One program's answer for a person the settlement covers, after it.

    ATTESTATION_STANDS: a conditional answer becomes final, and a pending one becomes the
    answer the agency gave on the attestation. CONDITIONAL_ENDS: a conditional or pending
    answer ends. DATA_FIGURE answers come from the agency again, not from here."""
    out = det.ProgramDetermination()
    out.CopyFrom(program)
    status = program.status
    if settlement.outcome == ATTESTATION_STANDS:
        if status == det.DETERMINATION_STATUS_CONDITIONAL:
            out.status = det.DETERMINATION_STATUS_ELIGIBLE
        elif status == det.DETERMINATION_STATUS_PENDING_VERIFICATION:
            answered = _answer_on_attestation(program)
            if answered is None:  # the program's own agency never answered: still pending
                return out
            out.status = answered
        else:
            return out
        _drop(out, ("DATA_MATCHING_ISSUE", "VERIFICATION_PENDING"))
        code = "ATTESTATION_ACCEPTED"
    elif settlement.outcome == CONDITIONAL_ENDS:
        if status not in (
            det.DETERMINATION_STATUS_CONDITIONAL,
            det.DETERMINATION_STATUS_PENDING_VERIFICATION,
        ):
            return out
        out.status = det.DETERMINATION_STATUS_INELIGIBLE
        out.monthly_benefit_cents = 0
        code = "INCONSISTENCY_PERIOD_ENDED"
    else:
        return out
    out.reasons.append(
        det.Reason(code=code, message=settlement.reason, citation=settlement.citation)
    )
    return out


def _answer_on_attestation(program: det.ProgramDetermination) -> int | None:
    for reason in program.reasons:
        named = reason.figures.get(ANSWER_ON_ATTESTATION)
        if named:
            return det.DeterminationStatus.Value(named)
    return None


def _drop(program: det.ProgramDetermination, codes: tuple[str, ...]) -> None:
    kept = [r for r in program.reasons if r.code not in codes]
    del program.reasons[:]
    program.reasons.extend(kept)
