"""The application service: one household in, one combined determination out.

prefill -> intake -> gather verified facts (SSA, then Treasury under consent, reusing
what is fresh) -> determine (HHS and USDA side by side) -> combine -> persist the
case, its evidence, consents, burden ledger and audit entries in one transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
import structlog
from sqlmodel import Session

from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator import (
    agency_requests,
    audit_trail,
    burden,
    consents,
    mapping,
    repository,
)
from services.orchestrator.agencies import AgencyGateway, SourceUnavailable
from services.orchestrator.audit_trail import DISCLOSED, FAILED, AuditNote, notes_for
from services.orchestrator.combine import Combined, combine, wants_hhs
from services.orchestrator.evidence import EvidenceDirectory
from services.orchestrator.evidence_store import db_time
from services.orchestrator.gathering import Gathered, Gatherer
from services.orchestrator.intake import plan_year_for, validate_application
from services.orchestrator.prefill import Prefilled, prefill, profile_facts
from services.orchestrator.refusal import AgencyRefused, declined_text
from services.orchestrator.repository import StoredCase
from services.orchestrator.subjects import Subjects
from services.orchestrator.tables import CaseRow
from shared.clock import Clock
from shared.consent import ConsentSigner
from shared.context import current_caller
from shared.db import Database
from shared.errors import FieldViolation, ServiceError, invalid_argument, not_found

log = structlog.get_logger("orchestrator")
T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
SUBSIDIES_PURPOSE = "insurance-affordability-programs"
SNAP_PURPOSE = "snap-eligibility"
CASE_REVIEW_PURPOSE = "case-review"
HHS_DISCLOSED = ("age", "pregnancy", "citizenship", "income", "household")
USDA_DISCLOSED = ("age", "disability", "income", "expenses")


def fingerprint(request: pb.SubmitApplicationRequest) -> str:
    body = pb.SubmitApplicationRequest()
    body.CopyFrom(request)
    body.request_id = ""
    return hashlib.sha256(body.SerializeToString(deterministic=True)).hexdigest()


class Coordinator:
    def __init__(
        self,
        db: Database,
        agencies: AgencyGateway,
        clock: Clock,
        directory: EvidenceDirectory,
        subjects: Subjects,
        signer: ConsentSigner,
        yardstick: burden.Yardstick,
    ) -> None:
        self._db = db
        self._agencies = agencies
        self._clock = clock
        self._directory = directory
        self._subjects = subjects
        self._yardstick = yardstick
        self._gatherer = Gatherer(db, agencies, directory, subjects, signer)

    # --- SubmitApplication -------------------------------------------------------------

    async def submit(
        self, request: pb.SubmitApplicationRequest, budget: Callable[[], float]
    ) -> pb.Case:
        """``budget()`` gives the seconds a downstream call may take right now."""
        now = self._clock.now()
        print_ = fingerprint(request)
        existing = await self._db.run(lambda s: self._replay(s, request.request_id, print_))
        if existing is not None:
            log.info("submission replayed", case_id=existing.case_id)
            return existing
        filled = await self._db.run(lambda s: prefill(s, request, self._subjects, now))
        violations: list[FieldViolation] = []
        consents.check_grants(filled.request, violations)
        validate_application(filled.request, now.date(), violations)
        case_id = uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(case_id=case_id)
        try:
            stored, notes = await self._determine(filled, print_, case_id, now, budget)
        except* AgencyRefused as refused:  # raised alone, or from inside a task group
            refusal = refused.exceptions[0]
            assert isinstance(refusal, AgencyRefused)
            # No case is stored, but what agencies were told before the refusal is.
            await self._db.run(lambda s: audit_trail.write(s, refusal.audit, case_id, now))
            raise refusal from None
        try:
            await self._db.run(lambda s: self._save(s, stored, notes, now))
        except repository.DuplicateRequest:
            # A concurrent retry stored its case first: keep our disclosures on record,
            # then answer with that case.
            await self._db.run(lambda s: audit_trail.write(s, notes, case_id, now))
            replay = await self._db.run(lambda s: self._replay(s, request.request_id, print_))
            assert replay is not None
            return replay
        log.info(
            "case determined",
            status=stored.case.status,
            programs=stored.case.programs,
            determinations=len(stored.determinations),
            issues=len(stored.issues),
            reused_facts=sum(1 for e in stored.evidence if e.reused_from),
        )
        return mapping.case_to_proto(stored)

    def _save(
        self, session: Session, stored: StoredCase, notes: list[AuditNote], now: dt.datetime
    ) -> None:
        repository.save_new(session, stored)
        audit_trail.write(session, notes, stored.case.case_id, now)

    def _replay(self, session: Session, request_id: str, print_: str) -> pb.Case | None:
        if not request_id:
            return None
        row = repository.find_by_request_id(session, request_id)
        if row is None:
            return None
        if row.request_fingerprint != print_:
            raise ServiceError(
                grpc.StatusCode.ALREADY_EXISTS,
                "REQUEST_ID_REUSED",
                "this request_id was used for a different application; use a new request_id",
                metadata={"case_id": row.case_id},
            )
        stored = repository.load(session, row.case_id)
        assert stored is not None
        return mapping.case_to_proto(stored)

    async def _determine(
        self,
        filled: Prefilled,
        print_: str,
        case_id: str,
        now: dt.datetime,
        budget: Callable[[], float],
    ) -> tuple[StoredCase, list[AuditNote]]:
        request = filled.request
        household = request.household
        plan_year = plan_year_for(request, now.date())
        programs = list(request.programs)
        gathered = await self._gatherer.gather(request, case_id, plan_year, now, budget)
        notes = list(gathered.notes)
        refs = [self._subjects.ref(m.ssn) for m in household.members]

        hhs_task = snap_task = None
        declined: dict[str, str] = {}
        async with asyncio.TaskGroup() as group:
            if wants_hhs(programs):
                hhs_task = group.create_task(
                    self._ask(
                        self._agencies.determine_subsidies(
                            agency_requests.hhs_request(household, plan_year), budget()
                        ),
                        notes_for("hhs", refs, HHS_DISCLOSED, SUBSIDIES_PURPOSE, DISCLOSED),
                        notes,
                        declined,
                    )
                )
            if det.PROGRAM_SNAP in programs:
                month = now.date().replace(day=1)
                snap_task = group.create_task(
                    self._ask(
                        self._agencies.determine_snap(
                            agency_requests.snap_request(household, month), budget()
                        ),
                        notes_for("usda", refs, USDA_DISCLOSED, SNAP_PURPOSE, DISCLOSED),
                        notes,
                        declined,
                    )
                )
        hhs_reply = hhs_task.result() if hhs_task else None
        snap_reply = snap_task.result() if snap_task else None
        combined = combine(
            household,
            programs,
            gathered.evidence_status,
            list(hhs_reply.determinations) if hhs_reply is not None else None,
            snap_reply.determination if snap_reply is not None else None,
            declined,
        )
        stored = self._stored(filled, print_, case_id, plan_year, now, gathered, combined)
        return stored, notes

    async def _ask(
        self,
        call: Awaitable[T],
        on_success: list[AuditNote],
        notes: list[AuditNote],
        declined: dict[str, str],
    ) -> T | None:
        """Await an agency call; note the disclosure, or its failure, for the audit log,
        and in ``declined`` why an agency that answered "not now" did so."""
        try:
            reply = await call
        except SourceUnavailable as error:
            notes += [
                AuditNote(n.actor_service, n.subject_ref, n.facts, n.purpose, FAILED, error.code)
                for n in on_success
            ]
            if error.declined:
                declined[error.agency] = declined_text(error.agency, error.reason, error.code)
            return None
        except AgencyRefused as refusal:
            detail = refusal.audit_detail
            notes += [
                AuditNote(n.actor_service, n.subject_ref, n.facts, n.purpose, FAILED, detail)
                for n in on_success
            ]
            refusal.audit = notes
            raise
        notes += on_success
        return reply

    def _stored(
        self,
        filled: Prefilled,
        print_: str,
        case_id: str,
        plan_year: int,
        now: dt.datetime,
        gathered: Gathered,
        combined: Combined,
    ) -> StoredCase:
        request = filled.request
        household = request.household
        status = (
            "CASE_STATUS_PENDING_VERIFICATION" if combined.pending else "CASE_STATUS_DETERMINED"
        )
        case = CaseRow(
            case_id=case_id,
            request_id=request.request_id,
            request_fingerprint=print_,
            status=status,
            plan_year=plan_year,
            programs=",".join(det.Program.Name(p) for p in request.programs),
            household=household.SerializeToString(deterministic=True),
            created_at=db_time(now),
            updated_at=db_time(now),
        )
        determinations = [
            row
            for person in combined.persons
            for row in mapping.determination_rows(case_id, person.person_id, list(person.programs))
        ]
        determinations += mapping.determination_rows(case_id, "", combined.household)
        facts = [*gathered.facts, *profile_facts(household, self._subjects, self._directory, now)]
        ssn_by_ref = {self._subjects.ref(m.ssn): m.ssn for m in household.members}
        return StoredCase(
            case=case,
            evidence=[mapping.evidence_row(case_id, uuid.uuid4().hex, f) for f in facts],
            determinations=determinations,
            issues=[mapping.issue_row(case_id, issue) for issue in gathered.issues],
            consents=consents.rows_for(gathered.new_grants, ssn_by_ref, case_id, now),
            burden=burden.ledger(
                case_id,
                household,
                list(request.programs),
                self._yardstick,
                filled.filled,
                gathered.facts,
                gathered.issues,
            ),
        )

    # --- GetCase / ListCases -----------------------------------------------------------

    async def get(self, case_id: str) -> pb.Case:
        if not case_id:
            raise invalid_argument([FieldViolation("case_id", "is required")])
        now = self._clock.now()

        def read(session: Session) -> pb.Case | None:
            stored = repository.load(session, case_id)
            if stored is None:
                return None
            case = mapping.case_to_proto(stored)
            # Showing a case discloses every member's data to whoever asked.
            audit_trail.write(
                session,
                notes_for(
                    current_caller(),
                    [self._subjects.ref(m.ssn) for m in mapping.household_of(stored)],
                    ("case",),
                    CASE_REVIEW_PURPOSE,
                    DISCLOSED,
                ),
                case_id,
                now,
            )
            return case

        case = await self._db.run(read)
        if case is None:
            raise not_found("case", case_id)
        return case

    async def list(self, page_size: int, page_token: str) -> tuple[list[pb.Case], str]:
        if page_size < 0:
            raise invalid_argument([FieldViolation("page_size", "cannot be negative")])
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        after = None
        if page_token:
            try:
                after = repository.decode_page_token(page_token)
            except ValueError as error:
                raise invalid_argument([FieldViolation("page_token", str(error))]) from None

        def page(session: Session) -> tuple[list[pb.Case], str]:
            rows, more = repository.list_page(session, size, after)
            cases = [mapping.case_summary(row) for row in rows]
            token = repository.encode_page_token(rows[-1]) if more and rows else ""
            return cases, token

        return await self._db.run(page)
