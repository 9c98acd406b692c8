"""HHS's gRPC face: validate, apply the rules to the benchmarks held in memory, answer."""

from __future__ import annotations

import grpc
import structlog
from sqlmodel import Session

from eligibility.hhs.v1 import subsidy_eligibility_pb2 as pb
from eligibility.hhs.v1 import subsidy_eligibility_pb2_grpc as pb_grpc
from services.hhs import mapping, rules
from services.hhs.enrollments import apply_change
from services.hhs.held_benchmarks import HeldBenchmarks
from services.hhs.period_answers import disclosures, record, to_proto
from services.hhs.period_reads import list_periods, period_query
from services.hhs.results import Status
from services.hhs.tables import AUDIT, HhsReceivedChange
from services.hhs.validation import validate
from shared.audit_trail import Asker
from shared.change_desk import ChangeDesk
from shared.clock import Clock
from shared.context import purpose
from shared.db import Database
from shared.parameters import ParameterSet

log = structlog.get_logger("hhs")


class SubsidyEligibilityServicer(pb_grpc.SubsidyEligibilityServiceServicer):
    def __init__(
        self,
        db: Database,
        params: ParameterSet,
        clock: Clock,
        subject_key: bytes,
        benchmarks: HeldBenchmarks,
    ) -> None:
        self._db = db
        self._params = params
        self._benchmarks = benchmarks
        self._clock = clock
        self._subject_key = subject_key
        # Told of members by person id: HHS keys its records on the case, not on SSNs.
        self._desk = ChangeDesk(
            "hhs", db, clock, subject_key, HhsReceivedChange, AUDIT, apply_change, needs_ssn=False
        )

    async def ReceiveChange(
        self, request: pb.ReceiveChangeRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReceiveChangeResponse:
        ack = await self._desk.receive(request.request_id, request.notice, request.purpose)
        return pb.ReceiveChangeResponse(acknowledgement=ack)

    async def ListEnrollmentPeriods(
        self, request: pb.ListEnrollmentPeriodsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEnrollmentPeriodsResponse:
        query = period_query(request)
        # The gate admitted the call for the purpose it declared (access.yaml).
        asker = Asker.of_current_call(query.case_id, purpose.get() or "")
        now = self._clock.now()

        def page(session: Session) -> pb.ListEnrollmentPeriodsResponse:
            rows, more = list_periods(session, query)
            record(
                session,
                self._subject_key,
                asker,
                now,
                disclosures(self._subject_key, query.case_id, rows),
            )
            return pb.ListEnrollmentPeriodsResponse(
                periods=[to_proto(row) for row in rows],
                next_page_token=query.token_for(rows[-1]) if more and rows else "",
            )

        answer = await self._db.run(page)
        log.info(
            "enrollment periods read",
            case_id=query.case_id,
            purpose=asker.purpose,
            as_of=bool(query.as_of),
            periods=len(answer.periods),
        )
        return answer

    async def DetermineEligibility(
        self, request: pb.DetermineEligibilityRequest, context: grpc.aio.ServicerContext
    ) -> pb.DetermineEligibilityResponse:
        today = self._clock.now().date()
        validate(request, self._params, today)
        facts = mapping.to_facts(request, today)
        # The table of the moment: a load swaps in a new one, never changes this one.
        benchmarks = self._benchmarks.table
        determination = rules.determine(facts, self._params, benchmarks)
        log.info(
            "eligibility determined",
            plan_year=facts.plan_year,
            state=facts.state_code,
            applying=len(determination.persons),
            eligible=sum(
                p.status is Status.ELIGIBLE for r in determination.persons for p in r.programs
            ),
            # Where each Marketplace answer's benchmark came from, as the rules found it:
            # a second lookup here only to log it cost every call.
            benchmark_bases=sorted(
                {h.benchmark_basis.value for h in determination.households} - {"none"}
            ),
        )
        return mapping.to_response(determination)
