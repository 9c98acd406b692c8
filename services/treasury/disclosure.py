"""What Treasury writes to its audit log: one entry per filer for every request it answers.

Outcomes, as Treasury uses them:

- DISCLOSED: the filer's return was released (status VERIFIED); detail names the consent.
- REFUSED: Treasury answered but released no tax data: the consent proof was missing or
  did not hold (detail is the CONSENT_* reason code), or the filer's identity did not
  match a return (detail IDENTITY_MISMATCH) or there was no return (detail NO_RECORD).
- FAILED: Treasury could not answer at all (detail INTERNAL); nothing was released.

A request that fails validation is not recorded: it never reaches anyone's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from services.treasury.domain import FilerAnswer, Status
from services.treasury.tables import AUDIT
from shared.audit import Outcome, audit_subject_ref
from shared.context import current_caller, current_caseworker

# The facts a filer's answer carries when it is released.
INCOME_FACTS = ("income.agi", "income.magi", "filing_status", "family_size")
INTERNAL = "INTERNAL"


@dataclass(frozen=True)
class Asker:
    """Who asked, for which case and purpose, as the request and its metadata say."""

    service: str
    caseworker: str
    case_id: str
    purpose: str

    @classmethod
    def of_current_call(cls, case_id: str, purpose: str) -> Asker:
        return cls(current_caller(), current_caseworker() or "", case_id, purpose)


@dataclass(frozen=True)
class Disclosure:
    """One line of the log to be: about whom, how it ended, and why."""

    ssn: str
    outcome: Outcome
    detail: str


def for_answer(ssn: str, answer: FilerAnswer, consent_id: str) -> Disclosure:
    if answer.status is Status.VERIFIED:
        return Disclosure(ssn, Outcome.DISCLOSED, f"consent {consent_id}")
    return Disclosure(ssn, Outcome.REFUSED, answer.status.name)


def record(
    session: Session,
    subject_key: bytes,
    asker: Asker,
    at: dt.datetime,
    disclosures: Iterable[Disclosure],
) -> None:
    """Append one entry per filer, inside the caller's unit of work."""
    for item in disclosures:
        AUDIT.append(
            session,
            at=at,
            actor_service=asker.service,
            actor_caseworker=asker.caseworker,
            subject_ref=audit_subject_ref(subject_key, item.ssn),
            facts=INCOME_FACTS,
            case_id=asker.case_id,
            purpose=asker.purpose,
            outcome=item.outcome,
            detail=item.detail,
        )
