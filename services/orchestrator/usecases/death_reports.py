"""SSA tells the orchestrator of a death with no one at a counter: the orchestrator follows
SSA's death-report stream and reports a DEATH life event on every case with that person,
through the same use case a caseworker's report takes.

The stream is read from a stored cursor (the last sequence handled), so a restart or a
lost connection resumes where it stopped; a report handled twice changes nothing, since
its request_id (``ssa-death-<sequence>-<case_id>``) is the idempotency key. That request_id
is the follower's own (REPORTER's, as a caseworker's are theirs), so a caseworker who typed
the same one for a change of theirs does not hold the death back (and none may report
under REPORTER's name: report_change.SYSTEM_REPORTERS). While SSA does
not publish the stream (UNIMPLEMENTED) or cannot be reached, the follower waits, longer
each time, and says so once rather than on every attempt.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import grpc
import structlog
from sqlmodel import Session, col, select

from eligibility.common.v1 import household_pb2
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.ssa.v1 import identity_pb2 as ssa_pb
from services.orchestrator import audit_trail
from services.orchestrator.adapters.agencies import AgencyGateway
from services.orchestrator.adapters.evidence_store import db_time
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import CaseRow, DeathReportCursor, EvidenceRow
from services.orchestrator.audit_trail import DISCLOSED, notes_for
from services.orchestrator.usecases.report_change import DEATH_FEED, ReportChanges
from shared.clock import Clock
from shared.context import purpose
from shared.db import Database
from shared.errors import ServiceError
from shared.purposes import DETERMINATION

log = structlog.get_logger("orchestrator.death_reports")

SOURCE = "ssa"
REPORTER = DEATH_FEED
# What the audit trail records as the purpose of receiving a death report.
RECEIPT_PURPOSE = "death-report"


def request_id(sequence: int, case_id: str) -> str:
    return f"ssa-death-{sequence}-{case_id}"


class DeathReports:
    def __init__(
        self,
        db: Database,
        agencies: AgencyGateway,
        changes: ReportChanges,
        subjects: Subjects,
        clock: Clock,
        *,
        budget_seconds: float,
        first_wait: float = 1.0,
        longest_wait: float = 60.0,
    ) -> None:
        self._db = db
        self._agencies = agencies
        self._changes = changes
        self._subjects = subjects
        self._clock = clock
        self._budget = budget_seconds
        self._first_wait = first_wait
        self._longest_wait = longest_wait
        # The status codes already reported in the log since the stream last worked.
        self._said: set[grpc.StatusCode] = set()

    async def cursor(self) -> int:
        def read(session: Session) -> int:
            row = session.get(DeathReportCursor, SOURCE)
            return row.last_sequence if row is not None else 0

        return await self._db.run(read)

    async def follow_once(self) -> int:
        """Read the stream from the cursor until it ends; returns the reports handled.
        Raises grpc.aio.AioRpcError when SSA cannot be followed."""
        after = await self.cursor()
        handled = 0
        stream = self._agencies.ssa.WatchDeathReports(
            ssa_pb.WatchDeathReportsRequest(after_sequence=after)
        )
        async for reply in stream:
            self._said.clear()  # the stream works: the next failure is news again
            await self.handle(reply.report)
            handled += 1
        return handled

    async def handle(self, report: ssa_pb.DeathReport) -> list[str]:
        """Report the death on every case with that person; advance the cursor. Returns
        the cases changed (a case whose only member this was is closed). A case the death
        cannot be applied to (a death before the birth on file) is left for a caseworker,
        logged."""
        # What the agencies are told the redetermination is for.
        purpose.set(DETERMINATION)
        ref = self._subjects.ref(report.ssn)
        now = self._clock.now()
        cases = await self._db.run(lambda s: _cases_with(s, ref, report.ssn))
        changed = []
        for case_id, person_id in cases:
            request = pb.ReportLifeEventRequest(
                request_id=request_id(report.sequence, case_id),
                case_id=case_id,
                event=le.LifeEvent(
                    kind=le.LIFE_EVENT_KIND_DEATH,
                    effective_date=report.death_date,
                    person_id=person_id,
                ),
            )
            try:
                await self._changes.report_as_system(request, lambda: self._budget, REPORTER)
            except ServiceError as error:
                if error.code in (
                    grpc.StatusCode.INVALID_ARGUMENT,
                    grpc.StatusCode.FAILED_PRECONDITION,
                    grpc.StatusCode.ALREADY_EXISTS,
                ):
                    log.warning(
                        "death report not applied",
                        case_id=case_id,
                        sequence=report.sequence,
                        reason=error.reason,
                    )
                    continue
                raise
            changed.append(case_id)

        def advance(session: Session) -> None:
            audit_trail.write(
                session,
                notes_for(
                    "orchestrator",
                    [ref],
                    ("death",),
                    RECEIPT_PURPOSE,
                    DISCLOSED,
                    f"SSA death report {report.sequence}; cases changed: {len(changed)}",
                ),
                "",
                now,
            )
            row = session.get(DeathReportCursor, SOURCE)
            if row is None:
                row = DeathReportCursor(source=SOURCE, updated_at=db_time(now))
            row.last_sequence = max(row.last_sequence, report.sequence)
            row.updated_at = db_time(now)
            session.add(row)

        await self._db.run(advance)
        log.info("death report handled", sequence=report.sequence, cases=len(changed))
        return changed

    async def run_forever(self, sleep: Callable[[float], object] = asyncio.sleep) -> None:
        """Follow the stream until cancelled, reconnecting after a pause that doubles
        (with jitter) up to ``longest_wait`` while it keeps failing."""
        wait = self._first_wait
        while True:
            try:
                if await self.follow_once():
                    wait = self._first_wait
            except asyncio.CancelledError:
                raise
            except grpc.aio.AioRpcError as error:
                self._note(error.code())
            except Exception as error:  # noqa: BLE001 - the follower must outlive one bad report
                log.warning("death report failed", error_type=type(error).__name__)
            await sleep(wait * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not secrecy
            wait = min(wait * 2, self._longest_wait)

    def _note(self, code: grpc.StatusCode) -> None:
        if code in self._said:
            return
        self._said.add(code)
        if code == grpc.StatusCode.UNIMPLEMENTED:
            log.info("ssa does not publish death reports yet; asking again later")
        else:
            log.warning("ssa death reports unavailable; asking again later", code=code.name)


def _cases_with(session: Session, ref: str, ssn: str) -> list[tuple[str, str]]:
    """(case_id, person_id) of every case whose household holds this person now."""
    ids = session.exec(select(EvidenceRow.case_id).where(EvidenceRow.subject_ref == ref).distinct())
    found = []
    for case_id in sorted(set(ids)):
        case = session.exec(select(CaseRow).where(col(CaseRow.case_id) == case_id)).first()
        if case is None:
            continue
        household = household_pb2.Household.FromString(case.household)
        member = next((m for m in household.members if m.ssn == ssn), None)
        if member is not None:
            found.append((case_id, member.person_id))
    return found
