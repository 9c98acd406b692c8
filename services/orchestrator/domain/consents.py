"""The consent registry: who allowed which agency's facts to be used, until when.

Treasury is asked about a filer only under a consent in force that names Treasury
and income; the orchestrator proves it to Treasury with a short-lived signed proof.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.domain.subject_keys import SubjectKeys
from shared.consent import MAX_PROOF_LIFETIME, ConsentSigner
from shared.dates import add_years
from shared.errors import FieldViolation
from shared.ordered_ids import ordered_id
from shared.purposes import DETERMINATION

PURPOSE = DETERMINATION  # consent is given for the determination itself
# Federal tax data may be used for renewals for at most five years (45 CFR 155.335(k)).
MAX_YEARS = 5
# A proof is made for one request and lives no longer than Treasury accepts; the most
# allowed, so that a Treasury clock a little ahead of ours does not refuse it.
PROOF_LIFETIME = MAX_PROOF_LIFETIME
KNOWN_AGENCIES = frozenset({"treasury", "ssa"})


@dataclass(frozen=True)
class Grant:
    """A consent in force for one person: an existing row or one given with this application."""

    consent_id: str
    subject_ref: str
    agencies: frozenset[str]
    facts: frozenset[str]
    expires_at: dt.datetime
    new: bool

    def covers(self, agency: str, fact: str) -> bool:
        return agency in self.agencies and fact in self.facts


def check_grants(request: pb.SubmitApplicationRequest, out: list[FieldViolation]) -> None:
    ids = {m.person_id for m in request.household.members}
    for i, grant in enumerate(request.consents):
        path = f"consents[{i}]"
        if grant.person_id not in ids:
            out.append(FieldViolation(f"{path}.person_id", "is not a member of the household"))
        if not grant.agencies:
            out.append(FieldViolation(f"{path}.agencies", "name at least one agency"))
        for j, agency in enumerate(grant.agencies):
            if agency not in KNOWN_AGENCIES:
                out.append(FieldViolation(f"{path}.agencies[{j}]", f"{agency!r} is not an agency"))
        if not grant.facts:
            out.append(FieldViolation(f"{path}.facts", "name at least one fact"))
        if not 0 <= grant.valid_years <= MAX_YEARS:
            out.append(FieldViolation(f"{path}.valid_years", f"must be 0 to {MAX_YEARS}"))


def _to_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class StoredConsent(Protocol):
    consent_id: str
    subject_ref: str
    agencies: str
    facts: str
    expires_at: dt.datetime


def grant_from(stored: StoredConsent) -> Grant:
    """A consent on record, as a grant this application may use."""
    return Grant(
        stored.consent_id,
        stored.subject_ref,
        frozenset(stored.agencies.split(",")),
        frozenset(stored.facts.split(",")),
        _to_utc(stored.expires_at),
        new=False,
    )


def new_grants(
    request: pb.SubmitApplicationRequest, subjects: SubjectKeys, now: dt.datetime
) -> list[Grant]:
    ssn_of = {m.person_id: m.ssn for m in request.household.members}
    return [
        Grant(
            ordered_id(),
            subjects.ref(ssn_of[g.person_id]),
            frozenset(g.agencies),
            frozenset(g.facts),
            add_years(now, g.valid_years or MAX_YEARS),
            new=True,
        )
        for g in request.consents
    ]


def not_yet_in_force(given: list[Grant], in_force: list[Grant]) -> list[Grant]:
    """The grants given with an application that no consent on record already covers:
    same person, the same agencies and facts or more, lasting to the same day or longer.
    The one on record serves instead, so re-applying does not store the same consent
    again and again (and what every application reads stays as short as it was)."""
    return [
        g
        for g in given
        if not any(
            held.subject_ref == g.subject_ref
            and g.agencies <= held.agencies
            and g.facts <= held.facts
            and held.expires_at.date() >= g.expires_at.date()
            for held in in_force
        )
    ]


def covering(grants: list[Grant], subject_ref: str, agency: str, fact: str) -> Grant | None:
    """The consent that lasts longest among those covering the use."""
    matching = [g for g in grants if g.subject_ref == subject_ref and g.covers(agency, fact)]
    return max(matching, key=lambda g: g.expires_at, default=None)


def proof(
    signer: ConsentSigner,
    grants: list[Grant],
    ssns: list[str],
    agency: str,
    fact: str,
    case_id: str,
    tax_year: int,
    now: dt.datetime,
) -> str:
    """One signed proof naming every filer of one request to ``agency``, for this case
    and tax year only, valid for a minute at most. Each call makes a new one."""
    return signer.issue(
        consent_ids=[g.consent_id for g in grants],
        ssns=ssns,
        purpose=PURPOSE,
        facts=[fact],
        audience=agency,
        case_id=case_id,
        tax_years=[tax_year],
        issued_at=now,
        expires_at=min([now + PROOF_LIFETIME, *(g.expires_at for g in grants)]),
    )
