"""What SSA writes to its audit log: one entry per person for every request it answers.

Outcomes, as SSA uses them:

- DISCLOSED: the identity matched, so the match, citizenship and death indicators were
  released.
- REFUSED: SSA answered with a match status only (detail NO_RECORD, NAME_MISMATCH or
  BIRTH_DATE_MISMATCH) and released nothing else it holds.
- FAILED: SSA could not answer at all (detail INTERNAL).

A request that fails validation is not recorded: it never reaches anyone's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from services.ssa.domain import IdentityAnswer, MatchStatus
from services.ssa.tables import AUDIT
from shared.audit import Outcome, audit_subject_ref
from shared.context import current_caller, current_caseworker

IDENTITY_FACTS = ("identity.match", "identity.citizenship", "identity.death")
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
    ssn: str
    outcome: Outcome
    detail: str


def for_answer(ssn: str, answer: IdentityAnswer) -> Disclosure:
    if answer.status is MatchStatus.MATCH:
        return Disclosure(ssn, Outcome.DISCLOSED, "MATCH")
    return Disclosure(ssn, Outcome.REFUSED, answer.status.name)


def record(
    session: Session,
    subject_key: bytes,
    asker: Asker,
    at: dt.datetime,
    disclosures: Iterable[Disclosure],
) -> None:
    """Append one entry per person, inside the caller's unit of work."""
    for item in disclosures:
        AUDIT.append(
            session,
            at=at,
            actor_service=asker.service,
            actor_caseworker=asker.caseworker,
            subject_ref=audit_subject_ref(subject_key, item.ssn),
            facts=IDENTITY_FACTS,
            case_id=asker.case_id,
            purpose=asker.purpose,
            outcome=item.outcome,
            detail=item.detail,
        )
