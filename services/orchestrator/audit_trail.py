"""What the orchestrator disclosed, to whom, and what it was refused: noted while a
request runs, written to the hash-chained audit log in the request's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session

from services.orchestrator.tables import AUDIT
from shared.audit import AuditRecord, Outcome
from shared.context import current_caseworker

DISCLOSED, REFUSED, FAILED = Outcome.DISCLOSED, Outcome.REFUSED, Outcome.FAILED


@dataclass(frozen=True)
class AuditNote:
    # Who received or saw the data: an agency's service name, or the calling tool.
    actor_service: str
    subject_ref: str
    facts: tuple[str, ...]
    purpose: str
    outcome: Outcome
    detail: str = ""


def notes_for(
    actor: str,
    subject_refs: Iterable[str],
    facts: Iterable[str],
    purpose: str,
    outcome: Outcome,
    detail: str = "",
) -> list[AuditNote]:
    names = tuple(facts)
    return [AuditNote(actor, ref, names, purpose, outcome, detail) for ref in subject_refs]


def write(session: Session, notes: Iterable[AuditNote], case_id: str, at: dt.datetime) -> None:
    caseworker = current_caseworker() or ""
    AUDIT.append_many(
        session,
        [
            AuditRecord(
                at=at,
                actor_service=note.actor_service,
                subject_ref=note.subject_ref,
                facts=note.facts,
                purpose=note.purpose,
                outcome=note.outcome,
                case_id=case_id,
                actor_caseworker=caseworker,
                detail=note.detail,
            )
            for note in notes
        ],
    )
