"""HHS's gRPC face: validate, look up the county's benchmark, apply the rules, answer."""

from __future__ import annotations

import grpc
import structlog

from eligibility.hhs.v1 import subsidy_eligibility_pb2 as pb
from eligibility.hhs.v1 import subsidy_eligibility_pb2_grpc as pb_grpc
from services.hhs import mapping, repository, rules
from services.hhs.benchmark_choice import estimate_from_year
from services.hhs.benchmarks import BenchmarkTable
from services.hhs.enrollments import apply_change
from services.hhs.results import Status
from services.hhs.tables import AUDIT, HhsReceivedChange
from services.hhs.validation import validate
from shared.change_desk import ChangeDesk
from shared.clock import Clock
from shared.db import Database
from shared.parameters import ParameterSet

log = structlog.get_logger("hhs")


class SubsidyEligibilityServicer(pb_grpc.SubsidyEligibilityServiceServicer):
    def __init__(
        self, db: Database, params: ParameterSet, clock: Clock, subject_key: bytes
    ) -> None:
        self._db = db
        self._params = params
        self._clock = clock
        self._desk = ChangeDesk(
            "hhs", db, clock, subject_key, HhsReceivedChange, AUDIT, apply_change
        )

    async def ReceiveChange(
        self, request: pb.ReceiveChangeRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReceiveChangeResponse:
        ack = await self._desk.receive(request.request_id, request.notice, request.purpose)
        return pb.ReceiveChangeResponse(acknowledgement=ack)

    async def DetermineEligibility(
        self, request: pb.DetermineEligibilityRequest, context: grpc.aio.ServicerContext
    ) -> pb.DetermineEligibilityResponse:
        today = self._clock.now().date()
        validate(request, self._params, today)
        facts = mapping.to_facts(request, today)
        # This year's figure, and the year an estimate would start from if it is missing.
        years = [facts.plan_year]
        from_year = estimate_from_year(self._params, facts.plan_year)
        if from_year is not None:
            years.append(from_year)
        found = await self._db.read(
            lambda session: repository.find_benchmarks(
                session, years, facts.state_code, facts.county
            )
        )
        determination = rules.determine(facts, self._params, BenchmarkTable(found))
        log.info(
            "eligibility determined",
            plan_year=facts.plan_year,
            state=facts.state_code,
            members=len(facts.members),
            applying=len(determination.persons),
            eligible=sum(
                p.status is Status.ELIGIBLE for r in determination.persons for p in r.programs
            ),
            benchmark_found=any(b.plan_year == facts.plan_year for b in found),
        )
        return mapping.to_response(determination)
