"""What an agency service writes to its audit log when it answers for personal data.

Every request that reaches anyone's records leaves one entry per person: who asked
(``Asker``), how it ended for that person (``Disclosure``) and which facts the answer
carries. Each agency decides the outcome and detail of its own answers and names its
facts; this module only turns them into entries of that agency's ``AuditLog``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlmodel import Session

from shared.audit import AuditLog, AuditRecord, Outcome, audit_subject_ref
from shared.context import current_caller, current_caseworker

# The detail of a FAILED entry: the agency could not answer, so nothing was released.
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
    # Given instead of an SSN for someone the agency knows by person id only
    # (shared.audit.audit_person_ref).
    subject_ref: str = ""


def record(
    session: Session,
    audit_log: AuditLog,
    subject_key: bytes,
    asker: Asker,
    at: dt.datetime,
    disclosures: Iterable[Disclosure],
    facts: Iterable[str],
) -> None:
    """Append one entry per person, inside the caller's unit of work."""
    names = tuple(facts)  # read once: it may be a one-shot iterator
    audit_log.record_many(
        session,
        [
            AuditRecord(
                at=at,
                actor_service=asker.service,
                actor_caseworker=asker.caseworker,
                subject_ref=item.subject_ref or audit_subject_ref(subject_key, item.ssn),
                facts=names,
                case_id=asker.case_id,
                purpose=asker.purpose,
                outcome=item.outcome,
                detail=item.detail,
            )
            for item in disclosures
        ],
    )


# ``record`` bound to one log and its facts: (session, subject_key, asker, at, disclosures).
Recorder = Callable[[Session, bytes, Asker, dt.datetime, Iterable[Disclosure]], None]


def recorder(audit_log: AuditLog, facts: Iterable[str]) -> Recorder:
    """What an agency calls to record its answers: its own log, its own facts."""
    names = tuple(facts)
    return lambda session, subject_key, asker, at, disclosures: record(
        session, audit_log, subject_key, asker, at, disclosures, names
    )
