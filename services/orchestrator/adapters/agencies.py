"""Adapters to the agency services: deadlines, retries, a circuit breaker per agency
and one failure type.

Every call runs under the caller's remaining deadline with the shared retry
policy; whatever still fails is reported as ``SourceUnavailable`` so the case can
carry on with that source marked as such, unless the agency found the request itself
invalid (``refusal.AgencyRefused``): that ends the application instead. An agency that keeps failing transiently
is not called again until its breaker's cool-down has passed: meanwhile its calls
fail at once as ``SourceUnavailable`` with code CIRCUIT_OPEN, nothing sent.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import grpc
import structlog

from eligibility.common.v1 import life_event_pb2
from eligibility.hhs.v1 import subsidy_eligibility_pb2 as hhs_pb
from eligibility.hhs.v1 import subsidy_eligibility_pb2_grpc as hhs_grpc
from eligibility.ssa.v1 import identity_pb2 as ssa_pb
from eligibility.ssa.v1 import identity_pb2_grpc as ssa_grpc
from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from eligibility.treasury.v1 import income_verification_pb2_grpc as treasury_grpc
from eligibility.usda.v1 import snap_eligibility_pb2 as usda_pb
from eligibility.usda.v1 import snap_eligibility_pb2_grpc as usda_grpc
from services.orchestrator.adapters.refusal import (
    DECLINING_CODES,
    AgencyRefused,
    agency_refused,
    is_refusal,
)
from shared.breaker import CircuitBreaker
from shared.channels import open_channel
from shared.errors import details_of
from shared.retry import call_with_retry, is_transient
from shared.settings import ServiceSettings
from shared.tls import TlsFiles

log = structlog.get_logger("orchestrator.agencies")
T = TypeVar("T")
CIRCUIT_OPEN = "CIRCUIT_OPEN"
# Awaited once a call is let through, before anything is sent (the audit's REQUESTED).
BeforeSend = Callable[[], Awaitable[None]] | None


N = TypeVar("N")


class Disclosures(Protocol[N]):
    """Where the gateway notes what it is about to send and what became of it (the
    orchestrator's audit trail): REQUESTED before sending, then the outcome."""

    def before_send(self, disclosed: list[N]) -> Callable[[], Awaitable[None]]: ...

    def note(self, outcomes: list[N]) -> None: ...

    def failed(self, disclosed: list[N], detail: str) -> None: ...


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

    def __init__(
        self,
        targets: dict[str, str],
        default_budget: float,
        tls: TlsFiles | None,
        *,
        breaker_threshold: int = 5,
        breaker_cooldown: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._channels = {name: open_channel(target, tls) for name, target in targets.items()}
        self._default_budget = default_budget
        self.breakers = {
            name: CircuitBreaker(breaker_threshold, breaker_cooldown, monotonic) for name in targets
        }
        self.treasury = treasury_grpc.IncomeVerificationServiceStub(self._channels["treasury"])
        self.ssa = ssa_grpc.IdentityServiceStub(self._channels["ssa"])
        self.hhs = hhs_grpc.SubsidyEligibilityServiceStub(self._channels["hhs"])
        self.usda = usda_grpc.SnapEligibilityServiceStub(self._channels["usda"])

    @classmethod
    def from_settings(cls, settings: ServiceSettings, tls: TlsFiles | None) -> AgencyGateway:
        return cls(
            {
                "treasury": settings.treasury_target,
                "ssa": settings.ssa_target,
                "hhs": settings.hhs_target,
                "usda": settings.usda_target,
            },
            settings.downstream_timeout_seconds,
            tls,
            breaker_threshold=settings.breaker_failures,
            breaker_cooldown=settings.breaker_cooldown_seconds,
        )

    @property
    def default_budget(self) -> float:
        return self._default_budget

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()

    async def ask(
        self,
        call: Callable[[BeforeSend], Awaitable[T]],
        disclosed: list[N],
        trail: Disclosures[N],
    ) -> T:
        """Ask an agency through ``call`` (one of the methods below, given the hook to
        await before sending) and note the disclosure, or why it failed, on ``trail``:
        a request that reaches an agency is never left off the audit trail."""
        try:
            reply = await call(trail.before_send(disclosed))
        except SourceUnavailable as error:
            trail.failed(disclosed, error.code)
            raise
        except AgencyRefused as refusal:
            trail.failed(disclosed, refusal.audit_detail)
            raise
        trail.note(disclosed)
        return reply

    async def _call(
        self,
        agency: str,
        call: Callable[[float], Awaitable[T]],
        budget: float,
        before_send: BeforeSend = None,
    ) -> T:
        breaker = self.breakers[agency]
        if not breaker.allow():
            raise SourceUnavailable(agency, CIRCUIT_OPEN, f"{agency} is cooling down")
        try:
            if before_send is not None:
                await before_send()
            reply = await call_with_retry(call, budget_seconds=budget)
        except grpc.RpcError as error:
            if is_transient(error):
                if breaker.failed():
                    log.warning("circuit opened", agency=agency, cooldown_s=breaker.cooldown)
            else:
                breaker.succeeded()
            details = details_of(error)
            if is_refusal(details):
                log.warning("agency refused the request", agency=agency, code=details.code.name)
                raise agency_refused(agency, details) from error
            log.warning("agency call failed", agency=agency, code=details.code.name)
            raise SourceUnavailable(
                agency, details.code.name, details.message, details.reason or ""
            ) from error
        except BaseException:
            breaker.abandoned()
            raise
        breaker.succeeded()
        return reply

    async def verify_income(
        self,
        make_request: Callable[[], treasury_pb.VerifyHouseholdIncomeRequest],
        budget: float,
        before_send: BeforeSend = None,
    ) -> treasury_pb.VerifyHouseholdIncomeResponse:
        """``make_request`` is called for every attempt: each carries a consent proof that
        Treasury accepts once, so a retry needs a new one."""
        return await self._call(
            "treasury",
            lambda t: self.treasury.VerifyHouseholdIncome(make_request(), timeout=t),
            budget,
            before_send,
        )

    async def record_consent_revocation(
        self, request: treasury_pb.RecordConsentRevocationRequest, budget: float
    ) -> treasury_pb.RecordConsentRevocationResponse:
        return await self._call(
            "treasury", lambda t: self.treasury.RecordConsentRevocation(request, timeout=t), budget
        )

    async def verify_identity(
        self, request: ssa_pb.VerifyIdentityRequest, budget: float, before_send: BeforeSend = None
    ) -> ssa_pb.VerifyIdentityResponse:
        return await self._call(
            "ssa", lambda t: self.ssa.VerifyIdentity(request, timeout=t), budget, before_send
        )

    async def determine_subsidies(
        self,
        request: hhs_pb.DetermineEligibilityRequest,
        budget: float,
        before_send: BeforeSend = None,
    ) -> hhs_pb.DetermineEligibilityResponse:
        return await self._call(
            "hhs", lambda t: self.hhs.DetermineEligibility(request, timeout=t), budget, before_send
        )

    async def list_enrollment_periods(
        self, request: hhs_pb.ListEnrollmentPeriodsRequest, budget: float
    ) -> hhs_pb.ListEnrollmentPeriodsResponse:
        """HHS answers only for the purpose the call declares (shared.context.purpose)."""
        return await self._call(
            "hhs", lambda t: self.hhs.ListEnrollmentPeriods(request, timeout=t), budget
        )

    async def determine_snap(
        self,
        request: usda_pb.DetermineSnapEligibilityRequest,
        budget: float,
        before_send: BeforeSend = None,
    ) -> usda_pb.DetermineSnapEligibilityResponse:
        return await self._call(
            "usda",
            lambda t: self.usda.DetermineSnapEligibility(request, timeout=t),
            budget,
            before_send,
        )

    async def receive_change(
        self,
        agency: str,
        notice: life_event_pb2.ChangeNotice,
        purpose: str,
        budget: float,
        before_send: BeforeSend = None,
    ) -> life_event_pb2.ChangeAcknowledgement:
        """Tell ``agency`` of a change; its idempotency key is the request_id, so a second
        delivery (a retry here, or the dispatcher's after a crash) changes nothing there."""
        stub, request_class = self._change_desks()[agency]
        request = request_class(request_id=notice.idempotency_key, notice=notice, purpose=purpose)
        reply = await self._call(
            agency, lambda t: stub.ReceiveChange(request, timeout=t), budget, before_send
        )
        return reply.acknowledgement

    def _change_desks(self) -> dict[str, tuple[Any, Any]]:
        # Every agency names the method and its messages alike, in its own package.
        return {
            "treasury": (self.treasury, treasury_pb.ReceiveChangeRequest),
            "ssa": (self.ssa, ssa_pb.ReceiveChangeRequest),
            "hhs": (self.hhs, hhs_pb.ReceiveChangeRequest),
            "usda": (self.usda, usda_pb.ReceiveChangeRequest),
        }
