"""The dispatcher: every change notice in the outbox reaches its agency, at least once.

Each round claims the notices that are due (a claim is a lease: another dispatcher on the
same database leaves the row alone until it lapses), sends each through the agency
gateway, which audits the disclosure, and then, in one transaction, records the agency's
acknowledgement on the notice and an event in the case's history. A crash after the agency
answered and before that transaction leaves the claim to lapse and the notice to be sent
again under the same idempotency key: the agency answers "duplicate" and does nothing
twice. An agency that cannot be reached (or runs a build that does not know the method
yet) is tried again later, after an exponential, jittered wait; one that refuses the
notice for good (it found it malformed, or not its business) is not asked again, and the
case says so.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from sqlmodel import Session

from eligibility.common.v1 import life_event_pb2
from services.orchestrator.adapters import evidence_store, outbox, repository
from services.orchestrator.adapters.agencies import AgencyGateway, SourceUnavailable
from services.orchestrator.adapters.evidence_store import db_time
from services.orchestrator.adapters.outbox import Delivery
from services.orchestrator.adapters.refusal import AgencyRefused
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import CaseEventRow
from services.orchestrator.audit_trail import DISCLOSED, Trail, notes_for
from services.orchestrator.usecases.bell import Bell
from shared.clock import Clock, SystemClock
from shared.context import purpose
from shared.db import Database
from shared.purposes import DETERMINATION

log = structlog.get_logger("orchestrator.dispatch")

# Codes that say the agency read the notice and will never take it: sending it again
# would get the same answer. Everything else (UNAVAILABLE, DEADLINE_EXCEEDED,
# RESOURCE_EXHAUSTED, UNIMPLEMENTED from an agency on an older build, an open circuit,
# an agency's own INTERNAL) may pass, so it is tried again after a wait.
PERMANENT = frozenset(
    {
        "INVALID_ARGUMENT",
        "OUT_OF_RANGE",
        "FAILED_PRECONDITION",
        "PERMISSION_DENIED",
        # A different notice under a key the agency already holds: never acceptable.
        "ALREADY_EXISTS",
    }
)

_ACTIONS = {
    life_event_pb2.CHANGE_ACTION_RECORDED: "recorded the change",
    life_event_pb2.CHANGE_ACTION_BENEFIT_UPDATED: "updated a benefit",
    life_event_pb2.CHANGE_ACTION_NO_ACTION: "had nothing to change",
}


def backoff(attempts: int, base: float, cap: float, rng: random.Random) -> dt.timedelta:
    """Wait before attempt ``attempts + 1``: doubling from ``base`` up to ``cap`` seconds,
    the upper half drawn at random ("equal jitter") so dispatchers that failed together do
    not come back together, and never less than half the doubled wait."""
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


def disclosed_facts(notice: life_event_pb2.ChangeNotice) -> tuple[str, ...]:
    """What a notice tells its agency about the members it names, for the audit trail."""
    kind = life_event_pb2.LifeEventKind.Name(notice.kind).removeprefix("LIFE_EVENT_KIND_")
    facts = [f"change.{kind.lower()}"]
    if notice.determinations or notice.household_determinations:
        facts.append("determination")
    if notice.HasField("new_address"):
        facts.append("address")
    return tuple(facts)


_OWN_WORDS = {
    life_event_pb2.LIFE_EVENT_KIND_ISSUE_SETTLED: "data-matching issue settled by rule",
    life_event_pb2.LIFE_EVENT_KIND_RECHECKED: "pending case determined again",
    life_event_pb2.LIFE_EVENT_KIND_RENEWED: "renewal for the next plan year",
    life_event_pb2.LIFE_EVENT_KIND_APPLIED: "application's first determination",
}


def _what(kind: int) -> str:
    """What a notice is about, for the case's history: the change, or what the orchestrator
    did itself (a new case's first answers, a settlement, a recheck, a renewal)."""
    if kind in _OWN_WORDS:
        return _OWN_WORDS[kind]
    return (
        life_event_pb2.LifeEventKind.Name(kind)
        .removeprefix("LIFE_EVENT_KIND_")
        .lower()
        .replace("_", " ")
    )


def acknowledged_text(
    notice: life_event_pb2.ChangeNotice, ack: life_event_pb2.ChangeAcknowledgement
) -> str:
    """The history line of an acknowledgement: who, of what, what they did."""
    did = _ACTIONS.get(ack.action, "acknowledged")
    text = f"{ack.agency or 'agency'} told of the {_what(notice.kind)}: {did}"
    if ack.detail:
        text += f" ({ack.detail})"
    if ack.duplicate:
        text += "; received before, nothing done again"
    return text


@dataclass
class Round:
    claimed: int = 0
    acknowledged: int = 0
    # Acknowledgements the agency marked as a repeat of an earlier delivery.
    duplicates: int = 0
    retrying: int = 0
    refused: int = 0
    # Deliveries whose claim had lapsed by the time they were answered (another
    # dispatcher took the notice over): nothing recorded here, the other one records it.
    superseded: int = 0


class Dispatcher:
    def __init__(
        self,
        db: Database,
        agencies: AgencyGateway,
        clock: Clock,
        subjects: Subjects,
        worker: str,
        *,
        budget_seconds: float,
        lease: dt.timedelta = dt.timedelta(seconds=30),
        batch: int = 20,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        changed: Bell | None = None,
        rng: random.Random | None = None,
        leases: Clock | None = None,
    ) -> None:
        # A claim must outlast the delivery it covers (its audit write and the agency's
        # whole budget), or a second dispatcher could send the notice while it is in flight.
        self._lease = max(lease, dt.timedelta(seconds=2 * budget_seconds + 1))
        self._db = db
        self._agencies = agencies
        self._clock = clock
        # Claims and backoff waits are measured in real time (see outbox.claim_due); the
        # records they leave (acknowledged at, the case's history) on the service's clock.
        self._leases = leases or SystemClock()
        self._subjects = subjects
        self._worker = worker[:64]
        self._budget = budget_seconds
        self._batch = batch
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._changed = changed
        self._rng = rng or random.Random()
        self._wake = Bell()

    def wake(self) -> None:
        """A notice was just enqueued in this process: start a round now."""
        self._wake.ring()

    async def run_once(self) -> Round:
        """Claim the notices that are due and deliver each; returns what became of them."""
        # What the agencies are told this is for: the determination the notice carries.
        purpose.set(DETERMINATION)
        now = self._leases.now()
        if not await self._db.read(lambda s: outbox.any_due(s, db_time(now))):
            return Round(claimed=0)
        claimed = await self._db.run(
            lambda s: outbox.claim_due(s, self._worker, db_time(now), self._lease, self._batch)
        )
        result = Round(claimed=len(claimed))
        # Notices to HHS and USDA name people by person_id alone (no SSN: data
        # minimisation); the people they disclose are found from the cases' verified facts,
        # in one read for the round, so each disclosure is on those people's record.
        unnamed = {d.case_id for d in claimed if any(not s.ssn for s in d.notice.subjects)}
        known = (
            await self._db.read(lambda s: evidence_store.people_refs(s, unnamed)) if unnamed else {}
        )
        outcomes = await asyncio.gather(
            *(self._deliver(d, known) for d in claimed), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                # The claim lapses and a later round (here or elsewhere) sends it again.
                log.warning("delivery failed", error_type=type(outcome).__name__)
                result.retrying += 1
            else:
                outcome(result)
        if claimed:
            log.info("dispatch round", worker=self._worker, **result.__dict__)
        if self._changed is not None and (result.acknowledged or result.refused):
            self._changed.ring()
        return result

    async def run_forever(self, interval: float) -> None:
        """Rounds every ``interval`` seconds (at once after a full batch, or when woken)
        until cancelled (the server's shutdown)."""
        while True:
            full = False
            try:
                full = (await self.run_once()).claimed >= self._batch
            except Exception as error:  # noqa: BLE001 - a bad round must not end the loop
                log.warning("dispatch round failed", error_type=type(error).__name__)
            if full:
                await asyncio.sleep(0)
            else:
                await self._wake.wait(interval)

    async def _deliver(
        self, delivery: Delivery, known: dict[tuple[str, str], str]
    ) -> Callable[[Round], None]:
        notice = delivery.notice
        trail = Trail(self._db, self._clock, delivery.case_id)
        refs = []
        for subject in notice.subjects:
            ref = (
                self._subjects.ref(subject.ssn)
                if subject.ssn
                else known.get((delivery.case_id, subject.person_id))
            )
            if ref and ref not in refs:
                refs.append(ref)
        disclosed = notes_for(
            delivery.agency, refs, disclosed_facts(notice), DETERMINATION, DISCLOSED
        )
        try:
            ack = await self._agencies.ask(
                lambda send: self._agencies.receive_change(
                    delivery.agency, notice, DETERMINATION, self._budget, send
                ),
                disclosed,
                trail,
            )
        except AgencyRefused as refusal:
            code = refusal.metadata.get("agency_code", refusal.code.name)
            return await self._refused(delivery, trail, code, refusal.reason)
        except SourceUnavailable as error:
            if error.code in PERMANENT:
                return await self._refused(delivery, trail, error.code, error.reason)
            return await self._later(delivery, trail, error.code)
        except Exception:
            await trail.flush()
            raise
        return await self._acknowledged(delivery, trail, ack)

    async def _acknowledged(
        self, delivery: Delivery, trail: Trail, ack: life_event_pb2.ChangeAcknowledgement
    ) -> Callable[[Round], None]:
        now = self._clock.now()
        text = acknowledged_text(delivery.notice, ack)

        taken = await self._settle(
            delivery,
            trail,
            lambda session: outbox.acknowledge(
                session, delivery.id, self._worker, ack, db_time(now)
            ),
            "ACKNOWLEDGED",
            text,
            now,
        )

        def count(result: Round) -> None:
            if not taken:
                result.superseded += 1
                return
            result.acknowledged += 1
            result.duplicates += ack.duplicate

        return count

    async def _refused(
        self, delivery: Delivery, trail: Trail, code: str, reason: str
    ) -> Callable[[Round], None]:
        now = self._clock.now()
        why = f"{code}: {reason}" if reason and reason != code else code
        text = (
            f"{delivery.agency} refused the notice of the "
            f"{_what(delivery.notice.kind)} ({why}); "
            "it will not be sent again"
        )

        taken = await self._settle(
            delivery,
            trail,
            lambda session: outbox.refuse(session, delivery.id, self._worker, why, db_time(now)),
            "NOTICE_REFUSED",
            text,
            now,
        )
        log.warning("notice refused", agency=delivery.agency, code=code, case_id=delivery.case_id)

        def count(result: Round) -> None:
            if taken:
                result.refused += 1
            else:
                result.superseded += 1

        return count

    async def _settle(
        self,
        delivery: Delivery,
        trail: Trail,
        mark: Callable[[Session], bool],
        kind: str,
        text: str,
        now: dt.datetime,
    ) -> bool:
        """Mark the notice settled (``mark``: acknowledged or refused) and, if this worker
        still held it, put the outcome on the case's history; False when another took it."""

        def save(session: Session) -> bool:
            status = repository.hold_case_status(session, delivery.case_id)
            taken = mark(session)
            if taken and status is not None:
                repository.add_event(session, self._event(delivery, kind, status, text, now))
            trail.write_outcomes(session, now)
            return taken

        return await self._saved(save, trail)

    async def _later(self, delivery: Delivery, trail: Trail, code: str) -> Callable[[Round], None]:
        now = self._clock.now()
        wait = backoff(delivery.attempts, self._base_delay, self._max_delay, self._rng)
        next_attempt = self._leases.now() + wait

        def save(session: Session) -> bool:
            trail.write_outcomes(session, now)
            return outbox.retry_later(
                session, delivery.id, self._worker, code, db_time(now), db_time(next_attempt)
            )

        await self._saved(save, trail)
        log.info(
            "notice to be sent again",
            agency=delivery.agency,
            code=code,
            attempts=delivery.attempts,
            wait_s=round(wait.total_seconds(), 2),
        )
        return lambda result: setattr(result, "retrying", result.retrying + 1)

    async def _saved(self, save: Callable[[Session], bool], trail: Trail) -> bool:
        try:
            return await self._db.run(save)
        except BaseException:
            # The agency's answer is not on record: the claim lapses and the notice goes
            # again (the agency absorbs the repeat); what was disclosed is kept at least.
            await trail.flush()
            raise

    def _event(
        self, delivery: Delivery, kind: str, status: str, detail: str, now: dt.datetime
    ) -> CaseEventRow:
        return CaseEventRow(
            case_id=delivery.case_id,
            at=db_time(now),
            kind=kind,
            status=status,
            detail=detail,
            worker=self._worker,
            notice_id=delivery.id,
        )
