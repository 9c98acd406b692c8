"""One answer for a case the caller may not read, whether or not it exists (AIP-211).

A caseworker who names another caseworker's case and one who names no case at all hear
the same PERMISSION_DENIED, word for word and detail for detail: otherwise the difference
would tell them which case ids are taken. Only a caller who may read every case
(entitlement.sees_every_case) is told NOT_FOUND, which tells them nothing new.

Each refusal is on the audit trail, a probe of a missing id too, so probing shows; past
ELIG_REFUSALS_AUDITED_PER_WINDOW a window from one caller they are counted into one summary
entry instead (services/orchestrator/refusal_trail.py), so probing cannot make the trail
grow at will; a case that exists is still written the first time each caller tries it in a
window, so its people see the try.
A refusal is recorded after the unit of work that found it, then raised.
"""

from __future__ import annotations

from services.orchestrator import entitlement
from services.orchestrator.adapters import mapping, repository
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import CaseRow
from services.orchestrator.refusal_trail import Refused, refusal_trail
from shared.clock import Clock
from shared.context import Principal
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
        self._trail = refusal_trail(db, clock)

    def refusal(
        self, who: Principal, case_id: str, row: CaseRow | None
    ) -> ServiceError | Refused | None:
        """None when ``who`` may read the case (``row``, None if there is none); else what
        to raise: through ``refuse``, which records it."""
        if row is not None and entitlement.may_read_case(who, row.opened_by):
            return None
        if row is None and entitlement.sees_every_case(who):
            return not_found("case", case_id)
        if row is None:
            refs: tuple[str, ...] = (NO_SUBJECT,)
            # A probed "id" not shaped like the ids we mint may be anything a caller typed
            # (an SSN, a name), so it is not copied into the audit log.
            on_record = case_id if shaped_like_ordered_id(case_id) else ""
        else:
            members = mapping.household_of(repository.StoredCase(row, [], [], []))
            refs = tuple(self._subjects.ref(m.ssn) for m in members)
            on_record = row.case_id
        return Refused(
            entitlement.case_refusal(),
            refs,
            ("case",),
            CASE_REVIEW_PURPOSE,
            on_record,
            on_file=row.case_id if row is not None else "",
        )

    async def refuse(self, refused: ServiceError | Refused) -> ServiceError:
        """The error to raise for ``refused``, once on the audit trail (or counted)."""
        if isinstance(refused, ServiceError):
            return refused
        return await self._trail.refuse(refused)

    async def admit(self, who: Principal, case_id: str) -> None:
        """Raise unless ``who`` may read ``case_id``, for a use case that reads the case in
        a unit of work of its own. A read: only a refusal written takes a writer's turn."""
        row = await self._db.read(lambda s: s.get(CaseRow, case_id))
        refused = self.refusal(who, case_id, row)
        if refused is not None:
            raise await self.refuse(refused)
