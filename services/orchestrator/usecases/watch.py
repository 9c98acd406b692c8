"""Following a case as it changes: every event of its history, in order, then each new one
as it is recorded, until the caller hangs up or the server stops.

An update's sequence is the event's row id. Every writer of a case's history holds the
case row while it writes (repository.hold_case_status), so a case's ids grow in commit
order and "after the last sequence seen" resumes with nothing missed and nothing
repeated. New events are found by reading the database at a short interval, which sees
what other processes write too, and at once when this process rings the bell.

Who may watch is who may read the case (GetCase's rule); a case attached to an update is
a disclosure of its members' data and is audited like a GetCase. Each caller may hold a
few watches at once, so one caller cannot tie up the server's connections and polls.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import grpc
from sqlmodel import Session

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator import audit_trail
from services.orchestrator.adapters import mapping, outbox, repository
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import CaseRow
from services.orchestrator.audit_trail import DISCLOSED, notes_for
from services.orchestrator.usecases.bell import Bell
from services.orchestrator.usecases.case_gate import CASE_REVIEW_PURPOSE, CaseGate
from shared.clock import Clock
from shared.context import Principal, current_caller, current_principal
from shared.db import Database
from shared.errors import FieldViolation, ServiceError, invalid_argument

TOO_MANY_WATCHES = "TOO_MANY_WATCHES"
# Events after which the case itself is sent: each brought a determination.
DETERMINING = frozenset({"APPLIED", "RECHECKED", "RENEWED", "LIFE_EVENT", "ISSUE_SETTLED"})
# Events that are an agency's answer to a notice: the notification is sent with them.
ANSWERS = frozenset({"ACKNOWLEDGED", "NOTICE_REFUSED"})


class CaseWatch:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        subjects: Subjects,
        changed: Bell,
        *,
        poll_seconds: float = 0.5,
        per_caller: int = 8,
        batch: int = 100,
    ) -> None:
        self._db = db
        self._clock = clock
        self._subjects = subjects
        self._changed = changed
        self._gate = CaseGate(db, clock, subjects)
        self._poll = poll_seconds
        self._per_caller = per_caller
        self._batch = batch
        self._open: Counter[str] = Counter()
        self._stopping = False

    def stop(self) -> None:
        """The server is stopping: every watch ends after what it is sending now."""
        self._stopping = True
        self._changed.ring()

    async def follow(self, case_id: str, after: int) -> AsyncIterator[pb.WatchCaseResponse]:
        violations = []
        if not case_id:
            violations.append(FieldViolation("case_id", "is required"))
        if after < 0:
            violations.append(FieldViolation("after_sequence", "cannot be negative"))
        if violations:
            raise invalid_argument(violations)
        who = current_principal()
        with self._slot(who):
            await self._gate.admit(who, case_id)
            last = after
            while not self._stopping:
                updates = await self._db.run(lambda s, seen=last: self._read(s, case_id, seen))
                for update in updates:
                    yield update
                    last = update.sequence
                if len(updates) < self._batch and not self._stopping:
                    await self._changed.wait(self._poll)

    @contextlib.contextmanager
    def _slot(self, who: Principal) -> Iterator[None]:
        caller = f"{who.service}/{who.caseworker or ''}"
        if self._open[caller] >= self._per_caller:
            raise ServiceError(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                TOO_MANY_WATCHES,
                f"you are already watching {self._per_caller} cases; end one before starting "
                "another",
            )
        self._open[caller] += 1
        try:
            yield
        finally:
            self._open[caller] -= 1
            if not self._open[caller]:
                del self._open[caller]

    def _read(self, session: Session, case_id: str, after: int) -> list[pb.WatchCaseResponse]:
        events = repository.events_after(session, case_id, after, self._batch)
        if not events:
            return []
        case = None
        if any(e.kind in DETERMINING for e in events):
            stored = repository.load(session, case_id)
            assert stored is not None  # cases are never deleted
            case = mapping.case_to_proto(stored)
            self._disclosed(session, stored.case)
        notices = outbox.by_ids(
            session, [e.notice_id for e in events if e.kind in ANSWERS and e.notice_id]
        )
        updates = []
        for event in events:
            update = pb.WatchCaseResponse(sequence=event.id or 0, event=mapping.case_event(event))
            if case is not None and event.kind in DETERMINING:
                update.case.CopyFrom(case)
            notice = notices.get(event.notice_id or 0)
            if notice is not None:
                update.notification.CopyFrom(mapping.notification(notice))
            updates.append(update)
        return updates

    def _disclosed(self, session: Session, row: CaseRow) -> None:
        members = mapping.household_of(repository.StoredCase(row, [], [], []))
        audit_trail.write(
            session,
            notes_for(
                current_caller(),
                [self._subjects.ref(m.ssn) for m in members],
                ("case",),
                CASE_REVIEW_PURPOSE,
                DISCLOSED,
            ),
            row.case_id,
            self._clock.now(),
        )
