"""The orchestrator's gRPC face: thin, every decision lives in the layers below."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import grpc

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.orchestrator.adapters.agencies import AgencyGateway
from services.orchestrator.usecases import whatif
from services.orchestrator.usecases.apply import Coordinator
from services.orchestrator.usecases.look_back import LookBack
from services.orchestrator.usecases.records import Records
from services.orchestrator.usecases.renew import Renewals
from services.orchestrator.usecases.report_change import ReportChanges
from services.orchestrator.usecases.watch import CaseWatch
from shared.clock import Clock
from shared.context import current_principal, purpose
from shared.one_at_a_time import OneAtATime
from shared.purposes import DETERMINATION, ESTIMATE
from shared.retry import budget_from_context


class CoordinationServicer(pb_grpc.CoordinationServiceServicer):
    def __init__(
        self,
        coordinator: Coordinator,
        records: Records,
        agencies: AgencyGateway,
        clock: Clock,
        renewals: Renewals,
        changes: ReportChanges,
        watch: CaseWatch,
        look_back: LookBack,
        after_change: Callable[[], None] | None = None,
    ) -> None:
        self._watch = watch
        self._look_back = look_back
        self._after_change = after_change
        self._coordinator = coordinator
        self._changes = changes
        self._renewals = renewals
        self._records = records
        self._agencies = agencies
        self._clock = clock
        self._expensive = OneAtATime()

    def _slot(self, what: str):  # type: ignore[no-untyped-def]
        who = current_principal()
        return self._expensive.slot(f"{who.service}/{who.caseworker or ''}", what)

    def _budget(self, context: grpc.aio.ServicerContext):  # type: ignore[no-untyped-def]
        return lambda: budget_from_context(context, self._agencies.default_budget)

    async def SubmitApplication(
        self, request: pb.SubmitApplicationRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitApplicationResponse:
        purpose.set(DETERMINATION)  # what the agencies are told this call is for
        case = await self._coordinator.submit(request, self._budget(context))
        # A new case wrote notices to HHS and USDA: sent at once, as a change's are.
        if self._after_change is not None:
            self._after_change()
        return pb.SubmitApplicationResponse(case=case)

    async def GetCase(
        self, request: pb.GetCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCaseResponse:
        return pb.GetCaseResponse(case=await self._coordinator.get(request.case_id))

    async def ListCases(
        self, request: pb.ListCasesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCasesResponse:
        cases, token = await self._coordinator.list(request.page_size, request.page_token)
        return pb.ListCasesResponse(cases=cases, next_page_token=token)

    async def RevokeConsent(
        self, request: pb.RevokeConsentRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeConsentResponse:
        consent = await self._records.revoke_consent(request, self._budget(context)())
        return pb.RevokeConsentResponse(consent=consent)

    async def ListConsents(
        self, request: pb.ListConsentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListConsentsResponse:
        return pb.ListConsentsResponse(consents=await self._records.list_consents(request.ssn))

    async def GetDisclosureReport(
        self, request: pb.GetDisclosureReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDisclosureReportResponse:
        entries = await self._records.disclosure_report(request.ssn)
        return pb.GetDisclosureReportResponse(disclosures=entries)

    async def VerifyAuditLog(
        self, request: pb.VerifyAuditLogRequest, context: grpc.aio.ServicerContext
    ) -> pb.VerifyAuditLogResponse:
        async with self._slot("audit verification"):
            return await self._records.verify_audit()

    async def GetBurdenReport(
        self, request: pb.GetBurdenReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetBurdenReportResponse:
        async with self._slot("burden report"):
            report = await self._records.burden_report(request.case_id)
        return pb.GetBurdenReportResponse(report=report)

    async def SimulateIncomeSweep(
        self, request: pb.SimulateIncomeSweepRequest, context: grpc.aio.ServicerContext
    ) -> pb.SimulateIncomeSweepResponse:
        purpose.set(ESTIMATE)
        async with self._slot("what-if sweep"):
            steps = await whatif.sweep(
                request, self._agencies, self._clock.now().date(), self._budget(context)
            )
        return pb.SimulateIncomeSweepResponse(steps=steps)

    async def RenewCase(
        self, request: pb.RenewCaseRequest, context: grpc.aio.ServicerContext
    ) -> pb.RenewCaseResponse:
        purpose.set(DETERMINATION)
        answer = await self._renewals.renew(request, self._budget(context))
        # A renewal may have written notices (and an event): sent and shown at once.
        if self._after_change is not None:
            self._after_change()
        return answer

    async def ReportLifeEvent(
        self, request: pb.ReportLifeEventRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReportLifeEventResponse:
        purpose.set(DETERMINATION)
        answer = await self._changes.report(request, self._budget(context))
        if self._after_change is not None:
            self._after_change()
        return answer

    async def WatchCase(
        self, request: pb.WatchCaseRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.WatchCaseResponse]:
        async for update in self._watch.follow(request.case_id, request.after_sequence):
            yield update

    async def ListCaseEnrollmentPeriods(
        self, request: pb.ListCaseEnrollmentPeriodsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCaseEnrollmentPeriodsResponse:
        return await self._look_back.periods(request, self._budget(context)())
