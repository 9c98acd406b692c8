"""One answer for a case the caller may not read, whether or not it exists (AIP-211).

A caseworker who names another caseworker's case and one who names no case at all hear
the same PERMISSION_DENIED, word for word and detail for detail: otherwise the difference
would tell them which case ids are taken. Only a caller who may read every case
(entitlement.sees_every_case) is told NOT_FOUND, which tells them nothing new.

Each refusal is on the audit trail, a probe of a missing id too, so probing shows. A
refusal is written in a unit of work that commits (the use case raises after it, never
inside it, as raising rolls the work back).
"""

from __future__ import annotations

from sqlmodel import Session

from services.orchestrator import audit_trail, entitlement
from services.orchestrator.adapters import mapping, repository
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import CaseRow
from services.orchestrator.audit_trail import REFUSED, notes_for
from shared.clock import Clock
from shared.context import Principal, current_caller
from shared.db import Database
from shared.errors import ServiceError, not_found
from shared.ordered_ids import shaped_like_ordered_id

CASE_REVIEW_PURPOSE = "case-review"
# The subject of a refused probe for a record that does not exist: it names nobody (a
# real reference is a keyed hash, never this word).
NO_SUBJECT = "no-such-record"


class CaseGate:
    def __init__(self, db: Database, clock: Clock, subjects: Subjects) -> None:
        self._db = db
        self._clock = clock
        self._subjects = subjects

    def refusal(
        self, session: Session, who: Principal, case_id: str, row: CaseRow | None
    ) -> ServiceError | None:
        """None when ``who`` may read the case; else the error to raise once ``session``
        has committed, with the refusal written in it."""
        if row is not None and entitlement.may_read_case(who, row.opened_by):
            return None
        if row is None and entitlement.sees_every_case(who):
            return not_found("case", case_id)
        if row is None:
            refs = [NO_SUBJECT]
            # A probed "id" not shaped like the ids we mint may be anything a caller typed
            # (an SSN, a name), so it is not copied into the audit log.
            on_record = case_id if shaped_like_ordered_id(case_id) else ""
        else:
            members = mapping.household_of(repository.StoredCase(row, [], [], []))
            refs = [self._subjects.ref(m.ssn) for m in members]
            on_record = row.case_id
        audit_trail.write(
            session,
            notes_for(
                current_caller(),
                refs,
                ("case",),
                CASE_REVIEW_PURPOSE,
                REFUSED,
                entitlement.CASE_NOT_ASSIGNED,
            ),
            on_record,
            self._clock.now(),
        )
        return entitlement.case_refusal()

    async def admit(self, who: Principal, case_id: str) -> None:
        """Raise unless ``who`` may read ``case_id``, for a use case that reads the case in
        a unit of work of its own. A read first: only a refusal takes a writer's turn."""
        row = await self._db.read(lambda s: s.get(CaseRow, case_id))
        if row is not None and entitlement.may_read_case(who, row.opened_by):
            return
        refused = await self._db.run(lambda s: self.refusal(s, who, case_id, row))
        assert refused is not None
        raise refused
