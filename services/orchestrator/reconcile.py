"""Reconcile what a household attested with what Treasury holds.

Each tax unit ends in one income status. A mismatch, or a source that cannot
answer, never fails the case: it becomes a data-matching issue with a due date,
and the programs that hang on that income are answered conditionally.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from eligibility.common.v1 import household_pb2
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from services.orchestrator import evidence as ev
from services.orchestrator.evidence import EvidenceDirectory, Fact
from services.orchestrator.household_facts import attested_annual_cents, tax_unit_members


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


def reconcile_income(
    household: household_pb2.Household,
    answers: dict[str, treasury_pb.FilerIncome] | None,
    directory: EvidenceDirectory,
    now: dt.datetime,
    unavailable_reason: str = "",
    identity_status: dict[str, str] | None = None,
) -> IncomeReconciliation:
    """``answers`` maps filer person_id to Treasury's answer; None means Treasury could not
    be reached. Filers whose identity did not verify were not asked (``identity_status``
    says why). Members in no tax unit have no return to check and keep their attestation."""
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
        attested = sum(attested_annual_cents(members[p]) for p in people)
        status, issue = _unit_status(
            unit, answers, attested, directory, unavailable_reason, identity_status or {}
        )
        for pid in people:
            result.status_by_person[pid] = status
        if answers is not None:
            for filer in unit.filer_person_ids:
                answer = answers.get(filer)
                if answer is None:
                    continue
                filer_status = _TREASURY_STATUS.get(answer.status, ev.NO_RECORD)
                if filer_status == ev.VERIFIED and status == ev.INCONSISTENT:
                    filer_status = ev.INCONSISTENT
                result.facts.append(
                    directory.fact(
                        filer, "income.tax_return_magi", str(answer.magi_cents), filer_status, now
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
    answers: dict[str, treasury_pb.FilerIncome] | None,
    attested: int,
    directory: EvidenceDirectory,
    unavailable_reason: str,
    identity_status: dict[str, str],
) -> tuple[str, tuple[str, str] | None]:
    unchecked = [
        f for f in unit.filer_person_ids if identity_status.get(f, ev.VERIFIED) != ev.VERIFIED
    ]
    if any(identity_status[f] == ev.SOURCE_UNAVAILABLE for f in unchecked):
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
    if answers is None:
        return ev.SOURCE_UNAVAILABLE, (
            "INCOME_SOURCE_UNAVAILABLE",
            f"Treasury could not be reached ({unavailable_reason or 'no answer'}); "
            "income will be verified when it answers",
        )
    filer_answers = [answers[f] for f in unit.filer_person_ids if f in answers]
    if len(filer_answers) != len(unit.filer_person_ids) or any(
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
