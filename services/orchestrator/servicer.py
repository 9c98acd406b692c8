"""The orchestrator's gRPC face: thin, every decision lives in the Coordinator."""

from __future__ import annotations

import grpc

from eligibility.orchestrator.v1 import coordination_pb2 as pb
from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.orchestrator.application import Coordinator
from shared.retry import budget_from_context


class CoordinationServicer(pb_grpc.CoordinationServiceServicer):
    def __init__(self, coordinator: Coordinator, default_budget: float) -> None:
        self._coordinator = coordinator
        self._default_budget = default_budget

    async def SubmitApplication(
        self, request: pb.SubmitApplicationRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitApplicationResponse:
        case = await self._coordinator.submit(
            request, lambda: budget_from_context(context, self._default_budget)
        )
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
