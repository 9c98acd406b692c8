"""What the orchestrator keeps about people, shown to them and to caseworkers:
consents, the disclosure report, the audit chain's health, the burden ledger."""

from __future__ import annotations

import datetime as dt

import grpc
import structlog
from sqlmodel import Session, col, select

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from services.orchestrator import audit_trail, entitlement
from services.orchestrator.adapters import repository
from services.orchestrator.adapters.agencies import AgencyGateway, SourceUnavailable
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import AUDIT, BurdenRow, CaseRow, ConsentRow
from services.orchestrator.audit_trail import DISCLOSED, notes_for
from services.orchestrator.domain import burden, consents
from services.orchestrator.refusal_trail import Refused
from services.orchestrator.usecases.case_gate import NO_SUBJECT, CaseGate
from shared.clock import Clock
from shared.context import Principal, current_caller, current_principal
from shared.db import Database
from shared.errors import FieldViolation, ServiceError, invalid_argument, not_found
from shared.protoconv import timestamp_to_proto
from shared.validation import check_ssn

log = structlog.get_logger("orchestrator.records")

REPORT_PURPOSE = "disclosure-report"


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def consent_to_proto(row: ConsentRow) -> pb.Consent:
    out = pb.Consent(
        consent_id=row.consent_id,
        subject="*****" + row.ssn_last4,
        purpose=row.purpose,
        agencies=row.agencies.split(","),
        facts=row.facts.split(","),
        grant_time=timestamp_to_proto(_utc(row.granted_at)),
        expire_time=timestamp_to_proto(_utc(row.expires_at)),
        case_id=row.case_id,
    )
    if row.revoked_at is not None:
        out.revoke_time.CopyFrom(timestamp_to_proto(_utc(row.revoked_at)))
    return out


def _refused(ref: str, fact: str, on_file: str = "") -> Refused:
    """A person's ``fact`` records refused to a caller who may not see them (``on_file``:
    the record of theirs the caller named, when it exists)."""
    return Refused(entitlement.person_refusal(), (ref,), (fact,), REPORT_PURPOSE, on_file=on_file)


def _ssn_ref(ssn: str, subjects: Subjects) -> str:
    violations: list[FieldViolation] = []
    check_ssn(ssn, "ssn", violations)
    if violations:
        raise invalid_argument(violations)
    return subjects.ref(ssn)


class Records:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        subjects: Subjects,
        yardstick: burden.Yardstick,
        agencies: AgencyGateway,
    ) -> None:
        self._db = db
        self._clock = clock
        self._subjects = subjects
        self._yardstick = yardstick
        self._agencies = agencies
        self._gate = CaseGate(db, clock, subjects)

    async def revoke_consent(self, request: pb.RevokeConsentRequest, budget: float) -> pb.Consent:
        """Revoke in the registry (so no proof is issued for it again), then tell Treasury,
        which refuses proofs already issued. Every call tells Treasury again, so a caller
        that retries after Treasury was unreachable completes the revocation."""
        if not request.consent_id:
            raise invalid_argument([FieldViolation("consent_id", "is required")])
        now = self._clock.now()

        who = current_principal()

        def work(session: Session) -> pb.Consent | ServiceError | Refused:
            row = session.get(ConsentRow, request.consent_id)
            if row is None:
                # Refused as a stranger's consent is (AIP-211), and audited naming no one.
                if entitlement.sees_every_case(who):
                    return not_found("consent", request.consent_id)
                return _refused(NO_SUBJECT, "consent")
            refused = self._refusal(session, who, row.subject_ref, "consent", row.consent_id)
            if refused is not None:
                return refused
            first_time = row.revoked_at is None
            repository.revoke_consent(session, request.consent_id, request.reason, now)
            if first_time:
                audit_trail.write(
                    session,
                    notes_for(
                        current_caller(),
                        [row.subject_ref],
                        ("consent",),
                        consents.PURPOSE,
                        DISCLOSED,
                        f"CONSENT_REVOKED: {row.consent_id}",
                    ),
                    row.case_id,
                    now,
                )
            return consent_to_proto(row)

        consent = await self._db.run(work)
        if not isinstance(consent, pb.Consent):
            raise await self._gate.refuse(consent)
        # Treasury checks proofs on its own, so it must hear of the revocation itself.
        if "treasury" in consent.agencies:
            await self._tell_treasury(consent, budget)
        return consent

    def _refusal(
        self, session: Session, who: Principal, ref: str, fact: str, on_file: str = ""
    ) -> Refused | None:
        """None when ``who`` may see this person's records; else the refusal to record
        (through the gate) and raise once this unit of work is over."""
        mine = repository.people_in_cases_of(session, who.caseworker or "", [ref])
        if entitlement.may_see_person(who, ref in mine):
            return None
        return _refused(ref, fact, on_file)

    async def _tell_treasury(self, consent: pb.Consent, budget: float) -> None:
        notice = treasury_pb.RecordConsentRevocationRequest(
            # The same on every retry, so Treasury sees one revocation however often told.
            request_id=f"revoke:{consent.consent_id}",
            consent_id=consent.consent_id,
            revoke_time=consent.revoke_time,
        )
        try:
            await self._agencies.record_consent_revocation(notice, budget)
        except SourceUnavailable as error:
            log.warning(
                "treasury not told of a revocation", consent_id=consent.consent_id, code=error.code
            )
            raise ServiceError(
                grpc.StatusCode.UNAVAILABLE,
                "CONSENT_REVOCATION_NOT_DELIVERED",
                "the consent is revoked and no proof will be issued for it again, but "
                "Treasury could not be told yet, so proofs issued in the last minute may "
                "still be accepted; retry RevokeConsent, which is safe to repeat",
                metadata={"consent_id": consent.consent_id, "treasury_code": error.code},
            ) from error

    async def list_consents(self, ssn: str) -> list[pb.Consent]:
        ref = _ssn_ref(ssn, self._subjects)
        who, now = current_principal(), self._clock.now()

        def work(session: Session) -> list[ConsentRow] | Refused:
            refused = self._refusal(session, who, ref, "consent")
            if refused is not None:
                return refused
            # The person's consents (and so that they applied) are shown: on record, as a
            # refusal to show them is.
            audit_trail.write(
                session,
                notes_for(current_caller(), [ref], ("consent",), REPORT_PURPOSE, DISCLOSED),
                "",
                now,
            )
            return repository.consents_for_subject(session, ref)

        rows = await self._db.run(work)
        if isinstance(rows, Refused):
            raise await self._gate.refuse(rows)
        return [consent_to_proto(r) for r in rows]

    async def disclosure_report(self, ssn: str) -> list[pb.Disclosure]:
        ref = _ssn_ref(ssn, self._subjects)
        who, now = current_principal(), self._clock.now()

        def work(session: Session) -> list[pb.Disclosure] | Refused:
            refused = self._refusal(session, who, ref, "audit")
            if refused is not None:
                return refused
            entries = AUDIT.entries_for_subject(session, ref)
            report = [
                pb.Disclosure(
                    seq=e.seq,
                    time=timestamp_to_proto(_utc(e.recorded_at)),
                    actor_service=e.actor_service,
                    actor_caseworker=e.actor_caseworker,
                    facts=e.fact_names(),
                    case_id=e.case_id,
                    purpose=e.purpose,
                    outcome=e.outcome,
                    detail=e.detail,
                )
                for e in entries
            ]
            # Reading the report is itself a disclosure of the person's record.
            audit_trail.write(
                session,
                notes_for(current_caller(), [ref], ("audit",), REPORT_PURPOSE, DISCLOSED),
                "",
                now,
            )
            return report

        report = await self._db.run(work)
        if isinstance(report, Refused):
            raise await self._gate.refuse(report)
        return report

    async def verify_audit(self) -> pb.VerifyAuditLogResponse:
        result = await self._db.run(AUDIT.verify)
        return pb.VerifyAuditLogResponse(
            ok=result.ok,
            entries_checked=result.entries,
            bad_seq=result.bad_seq or 0,
            problem=result.problem.value if result.problem else "",
            message=result.message,
        )

    async def burden_report(self, case_id: str) -> pb.BurdenReport:
        who = current_principal()
        if not case_id and not entitlement.sees_every_case(who):
            raise entitlement.refusal(
                entitlement.POPULATION_REPORT_NOT_ALLOWED,
                "the burden report over every case is for supervisors and auditors;"
                " name one of your cases",
            )

        if case_id:
            await self._gate.admit(who, case_id)

        def work(session: Session) -> burden.Report:
            query = select(CaseRow)
            ledger = select(BurdenRow)
            if case_id:
                query = query.where(CaseRow.case_id == case_id)
                ledger = ledger.where(BurdenRow.case_id == case_id)
            cases = list(session.exec(query.order_by(col(CaseRow.created_at))))
            shapes = [
                (
                    [det.Program.Value(p) for p in c.programs.split(",") if p],
                    len(household_pb2.Household.FromString(c.household).members),
                )
                for c in cases
            ]
            return burden.report(list(session.exec(ledger)), shapes, self._yardstick)

        found = await self._db.run(work)
        return pb.BurdenReport(
            case_id=case_id,
            cases=found.cases,
            lines=[
                pb.BurdenLine(
                    question=question,
                    asked=counts[burden.ASKED],
                    prefilled=counts[burden.PREFILLED],
                    verified_from_data=counts[burden.VERIFIED],
                    shared=counts[burden.SHARED],
                )
                for question, counts in sorted(found.lines.items())
            ],
            questions_asked=found.asked,
            questions_separately=found.separately,
            questions_saved=found.saved,
            minutes_per_question=found.minutes_per_question,
            minutes_saved=found.minutes_saved,
            minutes_source=found.minutes_source,
            renewal_questions_asked=found.renewal_asked,
            renewal_questions_avoided=found.renewal_avoided,
        )
