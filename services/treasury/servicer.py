"""Treasury's gRPC face: validate, check consent, look up, answer; and hear of revocations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import grpc
import structlog
from sqlmodel import Session

from eligibility.common.v1 import household_pb2
from eligibility.treasury.v1 import income_verification_pb2 as pb
from eligibility.treasury.v1 import income_verification_pb2_grpc as pb_grpc
from services.treasury import proof_ledger, repository
from services.treasury.changes import effect_for
from services.treasury.consent import check_consent
from services.treasury.disclosure import for_answer, record
from services.treasury.domain import FilerAnswer, FilerQuery, Status, match
from services.treasury.tables import AUDIT, TreasuryReceivedChange
from shared.audit import Outcome
from shared.audit_trail import INTERNAL, Asker, Disclosure
from shared.change_desk import ChangeDesk
from shared.change_effect import Effect
from shared.change_notice import CheckedNotice
from shared.clock import Clock
from shared.consent import ConsentError, ConsentVerifier
from shared.db import Database
from shared.errors import FieldViolation, ServiceError, invalid_argument
from shared.limits import MAX_HOUSEHOLD_MEMBERS
from shared.protoconv import timestamp_to_proto
from shared.validation import check_date, check_name, check_ssn

log = structlog.get_logger("treasury")

MAX_FILERS = MAX_HOUSEHOLD_MEMBERS
MAX_CONSENT_ID = 64
# How often, in the service's time, nonces of long-expired proofs are forgotten.
PRUNE_EVERY = dt.timedelta(minutes=1)
_STATUS = {
    Status.VERIFIED: pb.VERIFICATION_STATUS_VERIFIED,
    Status.NO_RECORD: pb.VERIFICATION_STATUS_NO_RECORD,
    Status.IDENTITY_MISMATCH: pb.VERIFICATION_STATUS_IDENTITY_MISMATCH,
}


def _queries(request: pb.VerifyHouseholdIncomeRequest, clock: Clock) -> list[FilerQuery]:
    violations: list[FieldViolation] = []
    this_year = clock.now().year
    if not request.purpose.strip():
        violations.append(
            FieldViolation("purpose", "is required: tax data is released only for a purpose")
        )
    if not 2000 <= request.tax_year <= this_year:
        violations.append(FieldViolation("tax_year", f"must be between 2000 and {this_year}"))
    if not request.filers:
        violations.append(FieldViolation("filers", "at least one filer is required"))
    if len(request.filers) > MAX_FILERS:
        violations.append(FieldViolation("filers", f"at most {MAX_FILERS} filers per request"))
    queries: list[FilerQuery] = []
    for i, filer in enumerate(request.filers):
        path = f"filers[{i}]"
        if not filer.person_id:
            violations.append(FieldViolation(f"{path}.person_id", "is required"))
        check_ssn(filer.ssn, f"{path}.ssn", violations)
        check_name(filer.name, f"{path}.name", violations)
        birth = check_date(
            filer.birth_date, f"{path}.birth_date", violations, not_after=clock.now().date()
        )
        if birth is not None:
            queries.append(
                FilerQuery(filer.person_id, filer.ssn, filer.name.given, filer.name.family, birth)
            )
    if violations:
        raise invalid_argument(violations)
    return queries


def _revocation(request: pb.RecordConsentRevocationRequest) -> dt.datetime:
    violations: list[FieldViolation] = []
    if not request.request_id:
        violations.append(FieldViolation("request_id", "is required"))
    if not request.consent_id:
        violations.append(FieldViolation("consent_id", "is required"))
    elif len(request.consent_id) > MAX_CONSENT_ID:
        violations.append(FieldViolation("consent_id", f"is at most {MAX_CONSENT_ID} characters"))
    if not request.HasField("revoke_time"):
        violations.append(FieldViolation("revoke_time", "is required"))
    if violations:
        raise invalid_argument(violations)
    return request.revoke_time.ToDatetime(tzinfo=dt.UTC)


def _to_proto(answer: FilerAnswer) -> pb.FilerIncome:
    out = pb.FilerIncome(person_id=answer.person_id, status=_STATUS[answer.status])
    if answer.record is not None:
        rec = answer.record
        out.filing_status = household_pb2.FilingStatus.Value(f"FILING_STATUS_{rec.filing_status}")
        out.agi_cents = rec.agi_cents
        out.magi_cents = rec.magi_cents
        out.family_size = rec.family_size
        out.tax_year = rec.tax_year
    return out


def apply_change(session: Session, notice: CheckedNotice) -> Effect:
    """Treasury's part of a change: a move becomes the address of record; the rest is noted."""
    address = notice.notice.new_address
    if notice.kind_name == "MOVE":
        repository.note_address(
            session, notice.ssns, address, notice.effective_date, notice.case_id
        )
    return effect_for(notice.kind_name, len(notice.ssns), address.state_code)


class IncomeVerificationServicer(pb_grpc.IncomeVerificationServiceServicer):
    def __init__(
        self, db: Database, clock: Clock, verifier: ConsentVerifier, subject_key: bytes
    ) -> None:
        self._db = db
        self._clock = clock
        self._verifier = verifier
        self._subject_key = subject_key
        self._pruned_at: dt.datetime | None = None
        self._desk = ChangeDesk(
            "treasury", db, clock, subject_key, TreasuryReceivedChange, AUDIT, apply_change
        )

    async def ReceiveChange(
        self, request: pb.ReceiveChangeRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReceiveChangeResponse:
        ack = await self._desk.receive(request.request_id, request.notice, request.purpose)
        return pb.ReceiveChangeResponse(acknowledgement=ack)

    async def VerifyHouseholdIncome(
        self, request: pb.VerifyHouseholdIncomeRequest, context: grpc.aio.ServicerContext
    ) -> pb.VerifyHouseholdIncomeResponse:
        queries = _queries(request, self._clock)
        asker = Asker.of_current_call(request.case_id, request.purpose)
        now = self._clock.now()
        ssns = [q.ssn for q in queries]
        try:
            claims = check_consent(
                self._verifier,
                request.consent_proof,
                ssns,
                asker.purpose,
                request.case_id,
                request.tax_year,
                now,
            )
        except ConsentError as error:
            raise await self._refusal(asker, now, ssns, error) from None

        def answer(session: Session) -> list[FilerAnswer]:
            # Before any return is read: a replayed or revoked proof reads nothing.
            proof_ledger.admit(session, claims)
            returns = repository.latest_returns(session, ssns, request.tax_year)
            answers = [match(q, returns.get(q.ssn)) for q in queries]
            disclosures = [
                for_answer(q.ssn, a, claims.consent_id)
                for q, a in zip(queries, answers, strict=True)
            ]
            record(session, self._subject_key, asker, now, disclosures)
            return answers

        try:
            answers = await self._db.run(answer)
        except ConsentError as error:
            raise await self._refusal(asker, now, ssns, error) from None
        except Exception:
            await self._record_alone(
                asker, now, [Disclosure(s, Outcome.FAILED, INTERNAL) for s in ssns]
            )
            raise
        log.info(
            "income verification answered",
            case_id=asker.case_id,
            purpose=asker.purpose,
            consent_id=claims.consent_id,
            filers=len(answers),
            verified=sum(a.status is Status.VERIFIED for a in answers),
        )
        await self._prune_now_and_then(now)
        return pb.VerifyHouseholdIncomeResponse(results=[_to_proto(a) for a in answers])

    async def RecordConsentRevocation(
        self, request: pb.RecordConsentRevocationRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordConsentRevocationResponse:
        # Only the orchestrator, which keeps the consent registry, gets here (access.yaml).
        revoked_at = _revocation(request)
        now = self._clock.now()
        row = await self._db.run(
            lambda s: proof_ledger.record_revocation(
                s, request.consent_id, revoked_at, request.request_id, now
            )
        )
        log.info("consent revocation recorded", consent_id=row.consent_id)
        return pb.RecordConsentRevocationResponse(
            consent_id=row.consent_id, record_time=timestamp_to_proto(row.recorded_at)
        )

    async def _refusal(
        self, asker: Asker, now: dt.datetime, ssns: Sequence[str], error: ConsentError
    ) -> ServiceError:
        """Audit a refused request, one entry per filer committed on its own before the
        refusal unwinds the call, and the error to answer with."""
        refused = [Disclosure(s, Outcome.REFUSED, error.reason_code) for s in ssns]
        await self._record_alone(asker, now, refused)
        log.info("income verification refused", case_id=asker.case_id, reason=error.reason_code)
        return error.to_service_error()

    async def _prune_now_and_then(self, now: dt.datetime) -> None:
        """Forget long-expired nonces, at most once per PRUNE_EVERY; a failure only waits
        for the next turn, since a stale nonce refuses nothing a valid proof needs."""
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        try:
            pruned = await self._db.run(lambda s: proof_ledger.prune(s, now))
        except Exception:
            log.exception("expired consent nonces could not be pruned")
            return
        if pruned:
            log.info("expired consent nonces pruned", count=pruned)

    async def _record_alone(
        self, asker: Asker, now: dt.datetime, disclosures: Sequence[Disclosure]
    ) -> None:
        """Write audit entries in a unit of work of their own. If even that fails the
        request still fails closed: the error is logged and nothing is released."""
        try:
            await self._db.run(lambda s: record(s, self._subject_key, asker, now, disclosures))
        except Exception:
            log.exception("audit entry could not be written", case_id=asker.case_id)
