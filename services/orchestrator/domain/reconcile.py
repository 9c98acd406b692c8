"""Reconcile what a household attested with what Treasury holds.

Each tax unit ends in one income status. A mismatch, or a source that cannot
answer, never fails the case: it becomes a data-matching issue with a due date,
and the programs that hang on that income are answered conditionally.

Like is compared with like: the filers' MAGI computed from their attested incomes by
shared/magi.py (the calculation HHS decides on) against the MAGI on their return. A
dependent's income is on their own return, not the filers', so it is not in the comparison.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from eligibility.common.v1 import household_pb2
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from services.orchestrator.domain import evidence as ev
from services.orchestrator.domain.evidence import EvidenceDirectory, Fact
from services.orchestrator.domain.household_facts import (
    attested_annual_cents,
    attested_magi_cents,
    tax_unit_members,
)


@dataclass(frozen=True)
class Issue:
    """A data-matching issue: the fact, why, and when it must be resolved by."""

    person_id: str
    fact: str
    reason_code: str
    message: str
    due_date: dt.date


@dataclass
class IncomeReconciliation:
    # person_id -> one of ev.VERIFIED, ev.INCONSISTENT, ev.NO_RECORD, ev.SOURCE_UNAVAILABLE
    status_by_person: dict[str, str] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


_TREASURY_STATUS = {
    treasury_pb.VERIFICATION_STATUS_VERIFIED: ev.VERIFIED,
    treasury_pb.VERIFICATION_STATUS_NO_RECORD: ev.NO_RECORD,
    treasury_pb.VERIFICATION_STATUS_IDENTITY_MISMATCH: ev.NO_RECORD,
}


def compatible(attested_cents: int, verified_cents: int, threshold: float) -> bool:
    """Attested income is accepted when it is within the threshold of the data, or higher
    than it: a person who reports more income than the data shows claims less help."""
    if attested_cents >= verified_cents:
        return True
    return (verified_cents - attested_cents) <= threshold * verified_cents


@dataclass(frozen=True)
class IncomeInquiry:
    """What happened when Treasury was (or was not) asked, filer by filer."""

    answers: dict[str, treasury_pb.FilerIncome] = field(default_factory=dict)
    # Filers asked while Treasury could not answer, and why.
    unreachable: frozenset[str] = frozenset()
    unreachable_reason: str = ""
    # Set when Treasury answered but declined for now (say, a consent it would not honour).
    declined: str = ""
    # Filers not asked because no consent in force covers Treasury's income data.
    no_consent: frozenset[str] = frozenset()
    # Each filer's identity status; a filer whose identity did not verify is not asked.
    identity_status: dict[str, str] = field(default_factory=dict)


def reconcile_income(
    household: household_pb2.Household,
    inquiry: IncomeInquiry,
    directory: EvidenceDirectory,
    now: dt.datetime,
    plan_year: int | None = None,
) -> IncomeReconciliation:
    """Members in no tax unit have no return to check and keep their attestation.
    Attested MAGI uses the plan year's figures (the year the income is projected for);
    without one, the year of ``now``."""
    tax_year = plan_year or now.year
    result = IncomeReconciliation()
    members = {m.person_id: m for m in household.members}
    due = now.date() + dt.timedelta(days=directory.inconsistency_days)
    for member in household.members:
        result.facts.append(
            directory.fact(
                member.person_id,
                "income.attested_annual",
                str(attested_annual_cents(member)),
                ev.ATTESTED,
                now,
            )
        )
    for unit in household.tax_units:
        people = tax_unit_members(unit)
        attested = sum(attested_magi_cents(members[p], tax_year) for p in unit.filer_person_ids)
        status, issue = _unit_status(unit, inquiry, attested, directory)
        for pid in people:
            result.status_by_person[pid] = status
        for filer in unit.filer_person_ids:
            answer = inquiry.answers.get(filer)
            if answer is None:
                continue
            # The return itself is verified even when the attestation disagrees with it:
            # the disagreement is the data-matching issue, not a property of the return.
            result.facts.append(
                directory.fact(
                    filer,
                    "income.tax_return_magi",
                    str(answer.magi_cents),
                    _TREASURY_STATUS.get(answer.status, ev.NO_RECORD),
                    now,
                )
            )
            if answer.status == treasury_pb.VERIFICATION_STATUS_VERIFIED:
                result.facts.append(
                    directory.fact(
                        filer,
                        "income.tax_return_family_size",
                        str(answer.family_size),
                        ev.VERIFIED,
                        now,
                    )
                )
        if issue is not None:
            code, message = issue
            result.issues.append(
                Issue(unit.filer_person_ids[0], "income.annual", code, message, due)
            )
    for member in household.members:
        # Someone in no tax unit has no return to match: the attestation stands for now.
        result.status_by_person.setdefault(member.person_id, ev.ATTESTED)
    return result


def _unit_status(
    unit: household_pb2.TaxUnit,
    inquiry: IncomeInquiry,
    attested: int,
    directory: EvidenceDirectory,
) -> tuple[str, tuple[str, str] | None]:
    filers = list(unit.filer_person_ids)
    identity = inquiry.identity_status
    unchecked = [f for f in filers if identity.get(f, ev.VERIFIED) != ev.VERIFIED]
    if any(identity[f] == ev.SOURCE_UNAVAILABLE for f in unchecked):
        return ev.SOURCE_UNAVAILABLE, (
            "INCOME_NOT_CHECKED",
            "income is checked once identity is verified, and SSA could not be reached",
        )
    if unchecked:
        return ev.NO_RECORD, (
            "INCOME_NOT_CHECKED",
            "Treasury was not asked because a filer's identity did not verify; "
            "send proof of income (a pay stub or tax return) by the due date",
        )
    if any(f in inquiry.no_consent for f in filers):
        return ev.NO_RECORD, (
            "INCOME_NO_CONSENT",
            "no consent to use federal tax data is in force for every filer, so Treasury was "
            "not asked; give consent or send proof of income (a pay stub or tax return)",
        )
    if any(f in inquiry.unreachable for f in filers) and inquiry.declined:
        return ev.SOURCE_UNAVAILABLE, (
            "AGENCY_REFUSED",
            f"{inquiry.declined}; income will be verified once it answers",
        )
    if any(f in inquiry.unreachable for f in filers):
        return ev.SOURCE_UNAVAILABLE, (
            "INCOME_SOURCE_UNAVAILABLE",
            f"Treasury could not be reached ({inquiry.unreachable_reason or 'no answer'}); "
            "income will be verified when it answers",
        )
    filer_answers = [inquiry.answers[f] for f in filers if f in inquiry.answers]
    if len(filer_answers) != len(filers) or any(
        a.status != treasury_pb.VERIFICATION_STATUS_VERIFIED for a in filer_answers
    ):
        mismatch = any(
            a.status == treasury_pb.VERIFICATION_STATUS_IDENTITY_MISMATCH for a in filer_answers
        )
        code = "INCOME_IDENTITY_MISMATCH" if mismatch else "INCOME_NO_TAX_RECORD"
        return ev.NO_RECORD, (
            code,
            "Treasury holds no matching return for this tax unit; "
            "send proof of income (a pay stub or tax return) by the due date",
        )
    # Joint filers share one return: count each distinct return once.
    returns = {(a.tax_year, a.magi_cents, a.family_size) for a in filer_answers}
    verified = sum(magi for _, magi, _ in returns)
    if compatible(attested, verified, directory.compatibility_threshold):
        return ev.VERIFIED, None
    return ev.INCONSISTENT, (
        "INCOME_INCONSISTENT",
        f"attested income is more than {directory.compatibility_threshold:.0%} below the "
        f"latest tax return ({directory.compatibility_citation}); send proof of current income",
    )
