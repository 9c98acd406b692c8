"""A case's standing over time: HHS's enrollment periods for the people of one case, read
for an appeal or an audit.

HHS keeps the periods and answers only for a purpose that looks back, so the caller
declares one and must hold a role that may declare it (entitlement.LOOK_BACK_ROLES). The
case gate comes next: someone else's case and a case that does not exist are refused
alike. The people a page names are written to the audit trail as disclosed to the
caller, for the purpose declared; a refusal, and an HHS that could not answer, are
written there too.
"""

from __future__ import annotations

import grpc
import structlog
from sqlmodel import Session

from eligibility.hhs.v1 import subsidy_eligibility_pb2 as hhs_pb
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator import audit_trail, entitlement
from services.orchestrator.adapters import evidence_store, mapping, repository
from services.orchestrator.adapters.agencies import AgencyGateway, SourceUnavailable
from services.orchestrator.adapters.refusal import AgencyRefused
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import CaseRow
from services.orchestrator.audit_trail import DISCLOSED, FAILED, notes_for
from services.orchestrator.refusal_trail import Refused
from services.orchestrator.usecases.case_gate import NO_SUBJECT, CaseGate
from shared.audit import Outcome
from shared.clock import Clock
from shared.context import current_caller, current_principal, purpose
from shared.db import Database
from shared.errors import FieldViolation, ServiceError, invalid_argument
from shared.ordered_ids import shaped_like_ordered_id
from shared.purposes import APPEAL, AUDIT
from shared.validation import check_date

log = structlog.get_logger("orchestrator.look_back")

FACTS = ("hhs.enrollment_period",)
PURPOSES = {pb.LOOK_BACK_PURPOSE_APPEAL: APPEAL, pb.LOOK_BACK_PURPOSE_AUDIT: AUDIT}
HHS_UNAVAILABLE = "HHS_UNAVAILABLE"


def checked(request: pb.ListCaseEnrollmentPeriodsRequest) -> str:
    """The purpose's name, once every field is sound; else INVALID_ARGUMENT naming each
    field at fault. The page token is HHS's own, and HHS checks it."""
    out: list[FieldViolation] = []
    if not request.case_id.strip():
        out.append(FieldViolation("case_id", "is required"))
    if request.HasField("as_of"):
        check_date(request.as_of, "as_of", out)
    named = PURPOSES.get(request.purpose, "")
    if not named:
        out.append(
            FieldViolation(
                "purpose", "is required: LOOK_BACK_PURPOSE_APPEAL or LOOK_BACK_PURPOSE_AUDIT"
            )
        )
    if request.page_size < 0:
        out.append(FieldViolation("page_size", "cannot be negative"))
    if out:
        raise invalid_argument(out)
    return named


def to_proto(period: hhs_pb.EnrollmentPeriod) -> pb.CaseEnrollmentPeriod:
    out = pb.CaseEnrollmentPeriod(
        person_id=period.person_id,
        program=period.program,
        status=period.status,
        monthly_benefit_cents=period.monthly_benefit_cents,
        csr_level=period.csr_level,
        valid_from=period.valid_from,
        left_case=period.left_case,
        set_revision=period.set_revision,
        closed_revision=period.closed_revision,
    )
    if period.HasField("valid_until"):
        out.valid_until.CopyFrom(period.valid_until)
    return out


class LookBack:
    def __init__(
        self, db: Database, clock: Clock, subjects: Subjects, agencies: AgencyGateway
    ) -> None:
        self._db = db
        self._clock = clock
        self._subjects = subjects
        self._agencies = agencies
        self._gate = CaseGate(db, clock, subjects)

    async def periods(
        self, request: pb.ListCaseEnrollmentPeriodsRequest, budget: float
    ) -> pb.ListCaseEnrollmentPeriodsResponse:
        declared = checked(request)
        who = current_principal()
        case_id = request.case_id
        if not entitlement.may_look_back(who, declared):
            # The role alone decides this refusal, so it names no one: the case is not read.
            # Counted in the caller's window as every refusal inside a method is, so
            # declaring a purpose over and over cannot make the trail grow one entry a call.
            on_record = case_id if shaped_like_ordered_id(case_id) else ""
            error = entitlement.look_back_refusal(who, declared)
            raise await self._gate.refuse(Refused(error, (NO_SUBJECT,), FACTS, declared, on_record))
        await self._gate.admit(who, case_id)
        # Forwarded to HHS with the call: its access policy admits it for this purpose.
        purpose.set(declared)
        ask = hhs_pb.ListEnrollmentPeriodsRequest(
            case_id=case_id, page_size=request.page_size, page_token=request.page_token
        )
        if request.HasField("as_of"):
            ask.as_of.CopyFrom(request.as_of)
        try:
            reply = await self._agencies.list_enrollment_periods(ask, budget)
        except SourceUnavailable as error:
            code = error.code
            await self._db.run(lambda s: self._failed(s, case_id, declared, code))
            log.warning("enrollment periods not read", case_id=case_id, code=error.code)
            raise ServiceError(
                grpc.StatusCode.UNAVAILABLE,
                HHS_UNAVAILABLE,
                f"HHS, which keeps enrollment periods, did not answer ({code}); nothing was"
                " shown. Try again in a moment",
                metadata={"agency": "hhs", "agency_code": error.code},
            ) from error
        except AgencyRefused as refused:
            raise _as_callers_error(refused) from refused
        periods = list(reply.periods)
        await self._db.run(lambda s: self._disclosed(s, case_id, declared, periods))
        log.info(
            "enrollment periods shown",
            case_id=case_id,
            purpose=declared,
            as_of=request.HasField("as_of"),
            periods=len(periods),
        )
        return pb.ListCaseEnrollmentPeriodsResponse(
            periods=[to_proto(p) for p in periods], next_page_token=reply.next_page_token
        )

    def _disclosed(
        self, session: Session, case_id: str, declared: str, periods: list[hhs_pb.EnrollmentPeriod]
    ) -> None:
        named = {p.person_id for p in periods}
        if not named:
            return
        refs = sorted(set(self._refs(session, case_id, named).values()))
        audit_trail.write(
            session,
            notes_for(current_caller(), refs, FACTS, declared, DISCLOSED),
            case_id,
            self._clock.now(),
        )

    def _refs(self, session: Session, case_id: str, person_ids: set[str]) -> dict[str, str]:
        """Each person's keyed reference: from the household as it stands, else (someone
        who has left it) from the facts verified about them in the case."""
        row = session.get(CaseRow, case_id)
        assert row is not None  # the gate admitted it, and cases are never deleted
        members = mapping.household_of(repository.StoredCase(row, [], [], []))
        refs = {
            m.person_id: self._subjects.ref(m.ssn) for m in members if m.person_id in person_ids
        }
        missing = person_ids - refs.keys()
        if missing:
            verified = evidence_store.people_refs(session, [case_id])
            refs.update({p: verified[(case_id, p)] for p in missing if (case_id, p) in verified})
        return refs

    def _failed(self, session: Session, case_id: str, declared: str, code: str) -> None:
        row = session.get(CaseRow, case_id)
        assert row is not None
        members = mapping.household_of(repository.StoredCase(row, [], [], []))
        refs = sorted({self._subjects.ref(m.ssn) for m in members})
        self._note(session, case_id, declared, refs, FAILED, f"hhs: {code}")

    def _note(
        self,
        session: Session,
        case_id: str,
        declared: str,
        refs: list[str],
        outcome: Outcome,
        detail: str,
    ) -> None:
        audit_trail.write(
            session,
            notes_for(current_caller(), refs, FACTS, declared, outcome, detail),
            case_id,
            self._clock.now(),
        )


def _as_callers_error(refused: AgencyRefused) -> ServiceError:
    """HHS read our request and found it wrong: only what the caller sent can be at fault
    (its page token, issued for another case or day), so the fields are theirs."""
    if refused.code != grpc.StatusCode.INVALID_ARGUMENT:
        return refused
    violations = [
        FieldViolation(v.field.removeprefix("hhs:"), v.description) for v in refused.violations
    ]
    return invalid_argument(violations or [FieldViolation("page_token", refused.message)])
