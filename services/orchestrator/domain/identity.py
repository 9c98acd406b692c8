"""Reconcile each member's identity with SSA's answer.

Identity comes first: a person whose identity does not verify is not asked about
at Treasury. Citizenship that SSA cannot confirm, and a reported death, become
data-matching issues rather than denials: a person is told and can answer before
anything is taken away.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from eligibility.common.v1 import household_pb2
from eligibility.ssa.v1 import identity_pb2 as ssa_pb
from services.orchestrator.domain import evidence as ev
from services.orchestrator.domain.evidence import EvidenceDirectory, Fact
from services.orchestrator.domain.reconcile import Issue

_MATCH_FACT_STATUS = {
    ssa_pb.MATCH_STATUS_MATCH: ev.VERIFIED,
    ssa_pb.MATCH_STATUS_NO_RECORD: ev.NO_RECORD,
    ssa_pb.MATCH_STATUS_NAME_MISMATCH: ev.INCONSISTENT,
    ssa_pb.MATCH_STATUS_BIRTH_DATE_MISMATCH: ev.INCONSISTENT,
}


@dataclass
class IdentityReconciliation:
    # person_id -> worst status of that person's identity facts
    status_by_person: dict[str, str] = field(default_factory=dict)
    verified: set[str] = field(default_factory=set)
    facts: list[Fact] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def reconcile_identity(
    household: household_pb2.Household,
    answers: dict[str, ssa_pb.IdentityResult] | None,
    directory: EvidenceDirectory,
    now: dt.datetime,
    unavailable_reason: str = "",
    declined: str = "",
) -> IdentityReconciliation:
    """``answers`` maps person_id to SSA's answer; None means SSA could not be reached,
    or (``declined`` says why) answered but declined for now."""
    result = IdentityReconciliation()
    due = now.date() + dt.timedelta(days=directory.inconsistency_days)
    for member in household.members:
        pid = member.person_id
        answer = None if answers is None else answers.get(pid)
        if answer is None:
            result.status_by_person[pid] = ev.SOURCE_UNAVAILABLE
            result.issues.append(
                Issue(
                    pid,
                    "identity.ssn_match",
                    "AGENCY_REFUSED" if declined else "IDENTITY_SOURCE_UNAVAILABLE",
                    f"{declined}; identity will be verified once it answers"
                    if declined
                    else f"SSA could not be reached ({unavailable_reason or 'no answer'}); "
                    "identity will be verified when it answers",
                    due,
                )
            )
            continue
        status = _MATCH_FACT_STATUS.get(answer.match_status, ev.NO_RECORD)
        result.facts.append(
            directory.fact(
                pid, "identity.ssn_match", ssa_pb.MatchStatus.Name(answer.match_status), status, now
            )
        )
        if status != ev.VERIFIED:
            result.status_by_person[pid] = status
            result.issues.append(
                Issue(
                    pid,
                    "identity.ssn_match",
                    "IDENTITY_NOT_VERIFIED",
                    "SSA's records do not match the name, birth date and SSN given; "
                    "send a document that proves identity",
                    due,
                )
            )
            continue
        result.verified.add(pid)
        result.status_by_person[pid] = ev.VERIFIED
        claims_citizen = member.citizenship == household_pb2.CITIZENSHIP_STATUS_CITIZEN
        if claims_citizen:
            citizenship = ev.VERIFIED if answer.citizenship_verified else ev.INCONSISTENT
            result.facts.append(
                directory.fact(
                    pid,
                    "identity.citizenship",
                    str(answer.citizenship_verified).lower(),
                    citizenship,
                    now,
                )
            )
            if citizenship != ev.VERIFIED:
                result.status_by_person[pid] = ev.INCONSISTENT
                result.issues.append(
                    Issue(
                        pid,
                        "identity.citizenship",
                        "CITIZENSHIP_NOT_VERIFIED",
                        "SSA could not confirm the citizenship attested; send proof of "
                        "citizenship (45 CFR 155.315(c))",
                        due,
                    )
                )
        # "No death reported" is itself a verified fact, fresh for a short while.
        died = answer.death_date
        result.facts.append(
            directory.fact(
                pid,
                "identity.death",
                f"{died.year:04d}-{died.month:02d}-{died.day:02d}"
                if answer.death_indicator
                else "none",
                ev.VERIFIED,
                now,
            )
        )
        if answer.death_indicator:
            result.status_by_person[pid] = ev.INCONSISTENT
            result.issues.append(
                Issue(
                    pid,
                    "identity.death",
                    "DEATH_REPORTED",
                    "SSA reports this person as deceased; the case needs review before any "
                    "benefit is paid for them",
                    due,
                )
            )
    return result
