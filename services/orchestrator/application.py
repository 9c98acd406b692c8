"""The application service: one household in, one combined determination out.

intake -> verify income (Treasury) -> determine (HHS and USDA side by side)
-> reconcile and combine -> persist, all in one transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from collections.abc import Callable

import grpc
import structlog
from sqlmodel import Session

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.ssa.v1 import identity_pb2 as ssa_pb
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from services.orchestrator import agency_requests, mapping, repository
from services.orchestrator import evidence as ev
from services.orchestrator.agencies import AgencyGateway, SourceUnavailable
from services.orchestrator.combine import Combined, combine, wants_hhs
from services.orchestrator.evidence import EvidenceDirectory, Fact
from services.orchestrator.identity import IdentityReconciliation, reconcile_identity
from services.orchestrator.intake import plan_year_for, validate_application
from services.orchestrator.reconcile import IncomeReconciliation, Issue, reconcile_income
from services.orchestrator.repository import StoredCase
from services.orchestrator.tables import CaseRow
from shared.clock import Clock
from shared.db import Database
from shared.errors import FieldViolation, ServiceError, invalid_argument, not_found

log = structlog.get_logger("orchestrator")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


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
    ) -> None:
        self._db = db
        self._agencies = agencies
        self._clock = clock
        self._directory = directory

    # --- SubmitApplication -------------------------------------------------------------

    async def submit(
        self, request: pb.SubmitApplicationRequest, budget: Callable[[], float]
    ) -> pb.Case:
        """``budget()`` gives the seconds a downstream call may take right now."""
        now = self._clock.now()
        validate_application(request, now.date())
        print_ = fingerprint(request)
        existing = await self._db.run(lambda s: self._replay(s, request.request_id, print_))
        if existing is not None:
            log.info("submission replayed", case_id=existing.case_id)
            return existing
        case_id = uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(case_id=case_id)
        stored = await self._determine(request, case_id, now, budget)
        try:
            await self._db.run(lambda s: repository.save_new(s, stored))
        except repository.DuplicateRequest:
            # A concurrent retry of this request stored its case first: return that one.
            replay = await self._db.run(lambda s: self._replay(s, request.request_id, print_))
            assert replay is not None
            return replay
        log.info(
            "case determined",
            status=stored.case.status,
            programs=stored.case.programs,
            determinations=len(stored.determinations),
            issues=len(stored.issues),
        )
        return mapping.case_to_proto(stored)

    def _replay(self, session: Session, request_id: str, print_: str) -> pb.Case | None:
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
        request: pb.SubmitApplicationRequest,
        case_id: str,
        now: dt.datetime,
        budget: Callable[[], float],
    ) -> StoredCase:
        household = request.household
        plan_year = plan_year_for(request, now.date())
        programs = list(request.programs)
        unavailable: dict[str, str] = {}

        identity = await self._verify_identity(
            household, plan_year, case_id, request, now, budget, unavailable
        )
        income = await self._verify_income(
            household, identity, plan_year, case_id, request, now, budget, unavailable
        )
        evidence_status = {
            m.person_id: ev.worst(
                identity.status_by_person.get(m.person_id, ev.ATTESTED),
                income.status_by_person.get(m.person_id, ev.ATTESTED),
            )
            for m in household.members
        }

        hhs_task = snap_task = None
        async with asyncio.TaskGroup() as group:
            if wants_hhs(programs):
                hhs_task = group.create_task(
                    self._ask(
                        "hhs",
                        self._agencies.determine_subsidies(
                            agency_requests.hhs_request(household, plan_year), budget()
                        ),
                        unavailable,
                    )
                )
            if det.PROGRAM_SNAP in programs:
                month = now.date().replace(day=1)
                snap_task = group.create_task(
                    self._ask(
                        "usda",
                        self._agencies.determine_snap(
                            agency_requests.snap_request(household, month), budget()
                        ),
                        unavailable,
                    )
                )
        hhs_reply = hhs_task.result() if hhs_task else None
        snap_reply = snap_task.result() if snap_task else None
        combined = combine(
            household,
            programs,
            evidence_status,
            list(hhs_reply.determinations) if hhs_reply is not None else None,
            snap_reply.determination if snap_reply is not None else None,
        )
        return self._stored(
            request,
            case_id,
            plan_year,
            now,
            [*identity.facts, *income.facts],
            [*identity.issues, *income.issues],
            combined,
        )

    async def _verify_identity(
        self,
        household: household_pb2.Household,
        plan_year: int,
        case_id: str,
        request: pb.SubmitApplicationRequest,
        now: dt.datetime,
        budget: Callable[[], float],
        unavailable: dict[str, str],
    ) -> IdentityReconciliation:
        answers: dict[str, ssa_pb.IdentityResult] | None = None
        try:
            reply = await self._agencies.verify_identity(
                agency_requests.ssa_request(household, plan_year, case_id, request.request_id),
                budget(),
            )
            answers = {r.person_id: r for r in reply.results}
        except SourceUnavailable as error:
            unavailable["ssa"] = error.code
        return reconcile_identity(
            household, answers, self._directory, now, unavailable.get("ssa", "")
        )

    async def _verify_income(
        self,
        household: household_pb2.Household,
        identity: IdentityReconciliation,
        plan_year: int,
        case_id: str,
        request: pb.SubmitApplicationRequest,
        now: dt.datetime,
        budget: Callable[[], float],
        unavailable: dict[str, str],
    ) -> IncomeReconciliation:
        filers = agency_requests.filers_to_verify(household, identity.verified)
        answers: dict[str, treasury_pb.FilerIncome] | None = {}
        if filers:
            try:
                reply = await self._agencies.verify_income(
                    agency_requests.treasury_request(
                        household, filers, plan_year, case_id, request.request_id
                    ),
                    budget(),
                )
                answers = {r.person_id: r for r in reply.results}
            except SourceUnavailable as error:
                unavailable["treasury"] = error.code
                answers = None
        return reconcile_income(
            household,
            answers,
            self._directory,
            now,
            unavailable.get("treasury", ""),
            identity.status_by_person,
        )

    async def _ask(self, agency: str, call, unavailable: dict[str, str]):  # type: ignore[no-untyped-def]
        try:
            return await call
        except SourceUnavailable as error:
            unavailable[agency] = error.code
            return None

    def _stored(
        self,
        request: pb.SubmitApplicationRequest,
        case_id: str,
        plan_year: int,
        now: dt.datetime,
        facts: list[Fact],
        issues: list[Issue],
        combined: Combined,
    ) -> StoredCase:
        status = (
            "CASE_STATUS_PENDING_VERIFICATION" if combined.pending else "CASE_STATUS_DETERMINED"
        )
        case = CaseRow(
            case_id=case_id,
            request_id=request.request_id,
            request_fingerprint=fingerprint(request),
            status=status,
            plan_year=plan_year,
            programs=",".join(det.Program.Name(p) for p in request.programs),
            household=request.household.SerializeToString(deterministic=True),
            created_at=now,
            updated_at=now,
        )
        determinations = [
            row
            for person in combined.persons
            for row in mapping.determination_rows(case_id, person.person_id, list(person.programs))
        ]
        determinations += mapping.determination_rows(case_id, "", combined.household)
        return StoredCase(
            case=case,
            evidence=[mapping.evidence_row(case_id, uuid.uuid4().hex, fact) for fact in facts],
            determinations=determinations,
            issues=[mapping.issue_row(case_id, issue) for issue in issues],
        )

    # --- GetCase / ListCases -----------------------------------------------------------

    async def get(self, case_id: str) -> pb.Case:
        if not case_id:
            raise invalid_argument([FieldViolation("case_id", "is required")])
        stored = await self._db.run(lambda s: repository.load(s, case_id))
        if stored is None:
            raise not_found("case", case_id)
        return mapping.case_to_proto(stored)

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
            cases = []
            for row in rows:
                stored = repository.load(session, row.case_id)
                assert stored is not None
                cases.append(mapping.case_to_proto(stored))
            token = repository.encode_page_token(rows[-1]) if more and rows else ""
            return cases, token

        return await self._db.run(page)
