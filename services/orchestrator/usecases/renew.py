"""Renewal without paperwork: a case is renewed for the next plan year from agency data
first (ex parte, 42 CFR 435.916(a)(2) for Medicaid; 45 CFR 155.335 for the Marketplace), and
the person is asked only for what the data cannot show.

It runs the application's own path for the new year: facts still fresh are reused, sources
are asked for what has changed (a new tax year's return), and the answer is classified for
the caseworker: renewed from data, needs the person, or ended. Renewing a case twice for one
year changes nothing, so a bulk run can be interrupted and started again. A renewal that
moves answers tells HHS and USDA in its own transaction (redetermination_notices.py), so
they hold the new year's answers.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc
from sqlmodel import Session

from eligibility.common.v1 import determination_pb2 as det
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.adapters import repository
from services.orchestrator.domain import burden
from services.orchestrator.usecases import redetermination_notices as notices
from services.orchestrator.usecases.apply import Coordinator
from services.orchestrator.usecases.report_change import CLOSED, case_closed
from shared.clock import Clock
from shared.context import current_principal
from shared.db import Database
from shared.errors import FieldViolation, ServiceError, invalid_argument

INELIGIBLE = det.DeterminationStatus.Name(det.DETERMINATION_STATUS_INELIGIBLE)
# Reads of the case and renewals of it, when other writers keep landing first.
ATTEMPTS = 3


class Renewals:
    def __init__(self, db: Database, coordinator: Coordinator, clock: Clock) -> None:
        self._db = db
        self._coordinator = coordinator
        self._clock = clock

    async def renew(
        self, request: pb.RenewCaseRequest, budget: Callable[[], float]
    ) -> pb.RenewCaseResponse:
        violations = []
        if not request.request_id:
            violations.append(FieldViolation("request_id", "is required"))
        if not request.case_id:
            violations.append(FieldViolation("case_id", "is required"))
        if violations:
            raise invalid_argument(violations)
        who = current_principal()
        await self._coordinator.gate.admit(who, request.case_id)
        for _ in range(ATTEMPTS):
            stored = await self._db.run(lambda s: repository.load(s, request.case_id))
            assert stored is not None  # admitted above, and cases are never deleted
            if stored.case.status == CLOSED:
                raise case_closed(request.case_id)
            year = stored.case.plan_year
            # By default, next year's coverage: what renewals in the autumn are for.
            target = request.plan_year or self._clock.now().year + 1
            if target <= year:
                return _already(await self._shown(request.case_id))
            if target != year + 1:
                raise invalid_argument(
                    [FieldViolation("plan_year", f"a case for {year} renews for {year + 1} only")]
                )
            teller = self._coordinator.teller(stored, notices.RENEWED)
            try:
                fresh = await self._coordinator.redetermine(
                    stored, target, "RENEWED", who.caseworker or who.service, budget, write=teller
                )
            except repository.CaseMoved:
                # Another renewal for this year finished first (read again, it answers
                # "already renewed"), or a change landed first: renew what it left.
                continue
            break
        else:
            raise ServiceError(
                grpc.StatusCode.ABORTED,
                "CASE_CHANGING",
                "the case kept changing while it was renewed; try again",
            )
        case = await self._shown(request.case_id)
        asked, avoided = burden.renewal_counts(fresh.burden)
        return pb.RenewCaseResponse(
            case=case, outcome=_outcome(fresh), questions_asked=asked, questions_avoided=avoided
        )

    async def _shown(self, case_id: str) -> pb.Case:
        """The case as it stands, shown to the caller: a disclosure, as GetCase's is."""
        now = self._clock.now()

        def show(session: Session) -> pb.Case:
            stored = repository.load(session, case_id)
            assert stored is not None
            return self._coordinator.show(session, stored, now)

        return await self._db.run(show)


def _already(case: pb.Case) -> pb.RenewCaseResponse:
    return pb.RenewCaseResponse(case=case, outcome=pb.RENEWAL_OUTCOME_ALREADY_RENEWED)


def _outcome(fresh: repository.StoredCase) -> int:
    """A data-matching issue is what the person must answer; a program pending for want of
    published figures is not theirs to resolve, so it does not make the renewal theirs."""
    if fresh.issues:
        return pb.RENEWAL_OUTCOME_NEEDS_PERSON
    if all(d.status == INELIGIBLE for d in fresh.determinations):
        return pb.RENEWAL_OUTCOME_ENDED
    return pb.RENEWAL_OUTCOME_RENEWED_FROM_DATA
