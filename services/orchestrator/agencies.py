"""Adapters to the agency services: deadlines, retries and one failure type.

Every call runs under the caller's remaining deadline with the shared retry
policy; whatever still fails is reported as ``SourceUnavailable`` so the case can
carry on with that source marked as such, unless the agency found the request itself
invalid (``refusal.AgencyRefused``): that ends the application instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import grpc
import structlog

from eligibility.hhs.v1 import subsidy_eligibility_pb2 as hhs_pb
from eligibility.hhs.v1 import subsidy_eligibility_pb2_grpc as hhs_grpc
from eligibility.ssa.v1 import identity_pb2 as ssa_pb
from eligibility.ssa.v1 import identity_pb2_grpc as ssa_grpc
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from eligibility.treasury.v1 import income_verification_pb2_grpc as treasury_grpc
from eligibility.usda.v1 import snap_eligibility_pb2 as usda_pb
from eligibility.usda.v1 import snap_eligibility_pb2_grpc as usda_grpc
from services.orchestrator.refusal import DECLINING_CODES, agency_refused, is_refusal
from shared.channels import open_channel
from shared.errors import details_of
from shared.retry import call_with_retry
from shared.settings import ServiceSettings

log = structlog.get_logger("orchestrator.agencies")
T = TypeVar("T")


@dataclass
class SourceUnavailable(Exception):
    agency: str
    code: str
    message: str
    # The agency's ErrorInfo reason, where it answered with one.
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.agency}: {self.code}"

    @property
    def declined(self) -> bool:
        """The agency answered, and said no for now (no consent, no figures yet): it was
        reached, and the case must not say otherwise."""
        return self.code in DECLINING_CODES


class AgencyGateway:
    """One channel per agency, opened once and shared by every request."""

    def __init__(self, targets: dict[str, str], default_budget: float) -> None:
        self._channels = {name: open_channel(target) for name, target in targets.items()}
        self._default_budget = default_budget
        self.treasury = treasury_grpc.IncomeVerificationServiceStub(self._channels["treasury"])
        self.ssa = ssa_grpc.IdentityServiceStub(self._channels["ssa"])
        self.hhs = hhs_grpc.SubsidyEligibilityServiceStub(self._channels["hhs"])
        self.usda = usda_grpc.SnapEligibilityServiceStub(self._channels["usda"])

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> AgencyGateway:
        return cls(
            {
                "treasury": settings.treasury_target,
                "ssa": settings.ssa_target,
                "hhs": settings.hhs_target,
                "usda": settings.usda_target,
            },
            settings.downstream_timeout_seconds,
        )

    @property
    def default_budget(self) -> float:
        return self._default_budget

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()

    async def _call(self, agency: str, call: Callable[[float], Awaitable[T]], budget: float) -> T:
        try:
            return await call_with_retry(call, budget_seconds=budget)
        except grpc.RpcError as error:
            details = details_of(error)
            if is_refusal(details):
                log.warning("agency refused the request", agency=agency, code=details.code.name)
                raise agency_refused(agency, details) from error
            log.warning("agency call failed", agency=agency, code=details.code.name)
            raise SourceUnavailable(
                agency, details.code.name, details.message, details.reason or ""
            ) from error

    async def verify_income(
        self, request: treasury_pb.VerifyHouseholdIncomeRequest, budget: float
    ) -> treasury_pb.VerifyHouseholdIncomeResponse:
        return await self._call(
            "treasury", lambda t: self.treasury.VerifyHouseholdIncome(request, timeout=t), budget
        )

    async def verify_identity(
        self, request: ssa_pb.VerifyIdentityRequest, budget: float
    ) -> ssa_pb.VerifyIdentityResponse:
        return await self._call(
            "ssa", lambda t: self.ssa.VerifyIdentity(request, timeout=t), budget
        )

    async def determine_subsidies(
        self, request: hhs_pb.DetermineEligibilityRequest, budget: float
    ) -> hhs_pb.DetermineEligibilityResponse:
        return await self._call(
            "hhs", lambda t: self.hhs.DetermineEligibility(request, timeout=t), budget
        )

    async def determine_snap(
        self, request: usda_pb.DetermineSnapEligibilityRequest, budget: float
    ) -> usda_pb.DetermineSnapEligibilityResponse:
        return await self._call(
            "usda", lambda t: self.usda.DetermineSnapEligibility(request, timeout=t), budget
        )
