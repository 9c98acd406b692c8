"""SSA's gRPC face: validate, limit, look up, answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import grpc
import structlog
from sqlmodel import Session

from eligibility.ssa.v1 import identity_pb2 as pb
from eligibility.ssa.v1 import identity_pb2_grpc as pb_grpc
from services.ssa import deaths, repository
from services.ssa.changes import change_for
from services.ssa.death_feed import DeathFeed, feed_asker
from services.ssa.death_requests import death_from, death_refused, report_to_proto
from services.ssa.disclosure import for_answer, mismatch_run, record, record_death_fact
from services.ssa.domain import IdentityAnswer, IdentityQuery, MatchStatus, match
from services.ssa.limiter import TokenBuckets
from services.ssa.mismatch_runs import MismatchRuns
from services.ssa.tables import AUDIT, SsaReceivedChange
from shared.audit import Outcome
from shared.audit_trail import INTERNAL, Asker, Disclosure
from shared.change_desk import ChangeDesk
from shared.change_effect import Effect
from shared.change_notice import CheckedNotice
from shared.clock import Clock
from shared.context import current_principal
from shared.db import Database
from shared.errors import FieldViolation, ServiceError, invalid_argument
from shared.limits import MAX_HOUSEHOLD_MEMBERS
from shared.protoconv import date_to_proto
from shared.validation import check_date, check_name, check_ssn

log = structlog.get_logger("ssa")

MAX_PEOPLE = MAX_HOUSEHOLD_MEMBERS
_STATUS = {
    MatchStatus.MATCH: pb.MATCH_STATUS_MATCH,
    MatchStatus.NO_RECORD: pb.MATCH_STATUS_NO_RECORD,
    MatchStatus.NAME_MISMATCH: pb.MATCH_STATUS_NAME_MISMATCH,
    MatchStatus.BIRTH_DATE_MISMATCH: pb.MATCH_STATUS_BIRTH_DATE_MISMATCH,
}


def queries_from(request: pb.VerifyIdentityRequest, clock: Clock) -> list[IdentityQuery]:
    """Every problem in the request at once, or the queries to answer."""
    violations: list[FieldViolation] = []
    if not request.purpose.strip():
        violations.append(FieldViolation("purpose", "is required: SSA answers only for a purpose"))
    if not request.people:
        violations.append(FieldViolation("people", "at least one person is required"))
    if len(request.people) > MAX_PEOPLE:
        violations.append(FieldViolation("people", f"at most {MAX_PEOPLE} people per request"))
    seen: set[str] = set()
    queries: list[IdentityQuery] = []
    for i, person in enumerate(request.people):
        path = f"people[{i}]"
        if not person.person_id:
            violations.append(FieldViolation(f"{path}.person_id", "is required"))
        elif person.person_id in seen:
            violations.append(FieldViolation(f"{path}.person_id", "appears twice in the request"))
        seen.add(person.person_id)
        check_ssn(person.ssn, f"{path}.ssn", violations)
        check_name(person.name, f"{path}.name", violations)
        birth = check_date(
            person.birth_date, f"{path}.birth_date", violations, not_after=clock.now().date()
        )
        if birth is not None:
            queries.append(
                IdentityQuery(
                    person.person_id, person.ssn, person.name.given, person.name.family, birth
                )
            )
    if violations:
        raise invalid_argument(violations)
    return queries


def to_proto(answer: IdentityAnswer) -> pb.IdentityResult:
    out = pb.IdentityResult(person_id=answer.person_id, match_status=_STATUS[answer.status])
    if answer.status is MatchStatus.MATCH:
        out.citizenship_verified = answer.citizenship_verified
        if answer.death_date is not None:
            out.death_indicator = True
            out.death_date.CopyFrom(date_to_proto(answer.death_date))
    return out


def apply_change(session: Session, notice: CheckedNotice) -> Effect:
    """SSA's part of a change: a death enters the records; the rest is noted or nothing."""
    records = repository.records_for(session, notice.ssns)
    change = change_for(notice.kind_name, notice.effective_date, notice.ssns, records)
    if change.mark_deceased:
        repository.mark_deceased(session, change.mark_deceased, notice.effective_date)
    return change.effect


class IdentityServicer(pb_grpc.IdentityServiceServicer):
    def __init__(
        self,
        db: Database,
        clock: Clock,
        subject_key: bytes,
        limiter: TokenBuckets,
        runs: MismatchRuns,
    ) -> None:
        self._db = db
        self._clock = clock
        self._subject_key = subject_key
        self._limiter = limiter
        self._runs = runs
        self._desk = ChangeDesk(
            "ssa", db, clock, subject_key, SsaReceivedChange, AUDIT, apply_change
        )
        self._feed = DeathFeed(db, clock, subject_key)

    async def ReceiveChange(
        self, request: pb.ReceiveChangeRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReceiveChangeResponse:
        ack = await self._desk.receive(request.request_id, request.notice, request.purpose)
        return pb.ReceiveChangeResponse(acknowledgement=ack)

    async def RecordDeath(
        self, request: pb.RecordDeathRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordDeathResponse:
        now = self._clock.now()
        death = death_from(request, now.date())
        asker = Asker.of_current_call("", "death-report")

        def unit(session: Session) -> tuple[deaths.DeathReport, bool]:
            report, new = deaths.record_death(
                session, request.request_id, request.ssn, death, request.reported_by, now
            )
            detail = f"death report {report.sequence}" + ("" if new else " (already recorded)")
            record_death_fact(
                session,
                self._subject_key,
                asker,
                now,
                [Disclosure(request.ssn, Outcome.RECEIVED, detail)],
            )
            return report, new

        try:
            report, new = await self._db.run(unit)
        except (deaths.PersonUnknown, deaths.DeathBeforeBirth, deaths.RequestReused) as error:
            raise death_refused(error) from None
        if new:
            self._feed.recorded()
        log.info("death recorded", sequence=report.sequence, new=new, caller=asker.service)
        return pb.RecordDeathResponse(report=report_to_proto(report))

    async def WatchDeathReports(
        self, request: pb.WatchDeathReportsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchDeathReportsResponse]:
        if request.after_sequence < 0:
            raise invalid_argument(
                [FieldViolation("after_sequence", "must be 0 (from the start) or more")]
            )
        async for report in self._feed.follow(request.after_sequence, feed_asker()):
            yield pb.WatchDeathReportsResponse(report=report_to_proto(report))

    async def VerifyIdentity(
        self, request: pb.VerifyIdentityRequest, context: grpc.aio.ServicerContext
    ) -> pb.VerifyIdentityResponse:
        queries = queries_from(request, self._clock)
        caller = current_principal().service
        self._admit(caller, len(queries))
        asker = Asker.of_current_call(request.case_id, request.purpose)
        now = self._clock.now()

        def answer(session: Session) -> list[IdentityAnswer]:
            records = repository.records_for(session, (q.ssn for q in queries))
            answers = [match(q, records.get(q.ssn), now.date()) for q in queries]
            disclosures = [for_answer(q.ssn, a) for q, a in zip(queries, answers, strict=True)]
            matched = [a.status is MatchStatus.MATCH for a in answers]
            for position, length in self._runs.observe(caller, matched):
                disclosures.append(mismatch_run(queries[position].ssn, length, caller))
                log.warning("identity mismatch run", caller=caller, length=length)
            record(session, self._subject_key, asker, now, disclosures)
            return answers

        try:
            answers = await self._db.run(answer)
        except Exception:
            failed = [Disclosure(q.ssn, Outcome.FAILED, INTERNAL) for q in queries]
            await self._record_alone(asker, now, failed)
            raise
        log.info(
            "identity verification answered",
            case_id=asker.case_id,
            purpose=asker.purpose,
            people=len(answers),
            matched=sum(a.status is MatchStatus.MATCH for a in answers),
        )
        return pb.VerifyIdentityResponse(results=[to_proto(a) for a in answers])

    def _admit(self, caller: str, people: int) -> None:
        """Spend the caller's identity checks, or refuse with how long to wait. A refused
        request reaches no one's record, so, like invalid input, it is not audited; a
        log line says who was held back."""
        decision = self._limiter.take(caller, people)
        if decision.allowed:
            return
        log.warning("identity checks limited", caller=caller, people=people)
        raise ServiceError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "IDENTITY_CHECK_RATE_LIMITED",
            f"{caller!r} may make {self._limiter.rate:g} identity checks a second "
            f"({self._limiter.burst} at once); retry in {decision.retry_after:.2f} s",
            metadata={"caller": caller},
            retry_delay=dt.timedelta(seconds=decision.retry_after),
        )

    async def _record_alone(
        self, asker: Asker, now: dt.datetime, disclosures: list[Disclosure]
    ) -> None:
        """Audit a failed call in a unit of work of its own; if even that fails, log it."""
        try:
            await self._db.run(lambda s: record(s, self._subject_key, asker, now, disclosures))
        except Exception:
            log.exception("audit entry could not be written", case_id=asker.case_id)
