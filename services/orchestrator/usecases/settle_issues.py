"""The 90-day clock: a data-matching issue whose inconsistency period ran out is settled by
rule (domain/inconsistency_period.py says which rule and why), not left open.

Each round claims cases holding an issue past its due date (several workers on one
PostgreSQL take different ones: a conditional claim and SKIP LOCKED), determines each case
again through the application's path, with the data source's income where the rule says
so, settles what the rule settles, and records one ISSUE_SETTLED event per issue with the
notice the person is sent. The issue is gone from the case in the same transaction, so a
second worker that claims the case afterwards finds nothing due; and in that transaction
each agency whose program's answer the settlement moved gets a change notice in the outbox
(settlement_notices.py), so HHS and USDA hold the answer the case now holds.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from sqlmodel import Session

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from services.orchestrator.adapters import mapping, outbox, repository
from services.orchestrator.adapters.evidence_store import db_time
from services.orchestrator.adapters.repository import StoredCase
from services.orchestrator.adapters.tables import CaseEventRow
from services.orchestrator.domain import inconsistency_period as period
from services.orchestrator.domain.household_facts import tax_unit_members
from services.orchestrator.usecases import rounds
from services.orchestrator.usecases import settlement_notices as notices
from services.orchestrator.usecases.apply import Coordinator
from shared.clock import Clock, SystemClock
from shared.context import purpose
from shared.db import Database
from shared.purposes import DETERMINATION

log = structlog.get_logger("orchestrator.settle_issues")
SETTLED = "ISSUE_SETTLED"
PENDING_STATUS = det.DeterminationStatus.Name(det.DETERMINATION_STATUS_PENDING_VERIFICATION)


@dataclass
class Round:
    claimed: int = 0
    settled_issues: int = 0
    nothing_due: int = 0
    failed: int = 0


class IssueClock:
    def __init__(
        self,
        db: Database,
        coordinator: Coordinator,
        clock: Clock,
        worker: str,
        *,
        budget_seconds: float,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        batch: int = 20,
        leases: Clock | None = None,
        after_write: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        # Rung when notices were written: this process's dispatcher sends them at once.
        self._after_write = after_write
        # Claims are measured in real time (see repository.claim_pending); due dates on
        # the service's clock.
        self._leases = leases or SystemClock()
        self._coordinator = coordinator
        self._clock = clock
        self._worker = worker
        self._budget = budget_seconds
        self._lease = lease
        self._batch = batch

    async def run_once(self) -> Round:
        purpose.set(DETERMINATION)
        today = self._clock.now().date()
        now = self._leases.now()
        claimed = await self._db.run(
            lambda s: repository.claim_past_due(
                s, self._worker, today, now, self._lease, self._batch
            )
        )
        result = Round(claimed=len(claimed))
        for case_id in claimed:
            try:
                settled = await self.settle_case(case_id)
            except repository.CaseMoved:
                # A change or a renewal landed first: settle what is still due on its
                # result at the next round, not after the lease.
                result.failed += 1
                await self._db.run(
                    functools.partial(
                        repository.release_claim, case_id=case_id, worker=self._worker
                    )
                )
                continue
            except Exception as error:  # noqa: BLE001 - the claim lapses; a later round retries
                result.failed += 1
                log.warning("settlement failed", case_id=case_id, error_type=type(error).__name__)
                continue
            if settled:
                result.settled_issues += settled
            else:
                result.nothing_due += 1
        if claimed:
            log.info("issue clock round", worker=self._worker, **result.__dict__)
        return result

    async def run_forever(self, interval: float) -> None:
        """Rounds every ``interval`` seconds until cancelled (the server's shutdown)."""
        await rounds.repeat(
            self.run_once, interval, "issue clock", lambda r: r.claimed >= self._batch
        )

    async def settle_case(self, case_id: str) -> int:
        """Settle every issue of a claimed case whose period ran out; returns how many."""
        now = self._clock.now()
        stored = await self._db.run(lambda s: repository.load(s, case_id))
        household = household_pb2.Household.FromString(stored.case.household) if stored else None
        settlements = _due(stored, household, now.date()) if stored and household else []
        if not settlements:
            # Settled by another worker before this claim: nothing to do but let go.
            await self._db.run(lambda s: repository.release_claim(s, case_id, self._worker))
            return 0
        assert stored is not None and household is not None
        revised = _with_data_figures(household, settlements)

        def finish(fresh: StoredCase) -> list[CaseEventRow]:
            return _finish(fresh, settlements, household, now, self._worker)

        told: list[str] = []

        def tell(session: Session, fresh: StoredCase, at: dt.datetime) -> None:
            # In the settlement's transaction: an agency is told of an answer that was kept,
            # and an answer is never kept without telling it.
            told[:] = notices.agencies_told(stored.determinations, fresh.determinations)
            outbox.enqueue_decision(
                session,
                case_id,
                [(a, notices.notice(case_id, a, fresh, settlements, at.date())) for a in told],
                db_time(at),
                db_time(self._leases.now()),
            )

        await self._coordinator.redetermine(
            stored,
            stored.case.plan_year,
            SETTLED,
            self._worker,
            lambda: self._budget,
            household=revised,
            settle=finish,
            write=tell,
        )
        log.info("issues settled", case_id=case_id, count=len(settlements), notified=told)
        if told and self._after_write is not None:
            self._after_write()
        return len(settlements)


def _due(
    stored: StoredCase, household: household_pb2.Household, today: dt.date
) -> list[period.Settlement]:
    out = []
    for row in stored.issues:
        issue = period.OpenIssue(row.person_id, row.fact, row.reason_code, row.due_date)
        figure = _source_income(stored, household, row.person_id)
        settlement = period.settle(issue, today, figure)
        if settlement is not None:
            out.append(settlement)
    return out


def _unit_of(household: household_pb2.Household, person_id: str) -> household_pb2.TaxUnit | None:
    return next((u for u in household.tax_units if person_id in u.filer_person_ids), None)


def _source_income(
    stored: StoredCase, household: household_pb2.Household, person_id: str
) -> int | None:
    """The MAGI on the tax unit's latest return as Treasury gave it (joint filers share one
    return, so it counts once), or None when there is no figure for every filer."""
    unit = _unit_of(household, person_id)
    if unit is None:
        return None
    newest: dict[str, int] = {}
    for row in stored.evidence:  # oldest first: the last one wins
        if row.fact == "income.tax_return_magi" and row.person_id in unit.filer_person_ids:
            try:
                newest[row.person_id] = int(row.value)
            except ValueError:
                continue
    if any(f not in newest for f in unit.filer_person_ids):
        return None
    if unit.filing_status == household_pb2.FILING_STATUS_MARRIED_FILING_JOINTLY:
        return newest[unit.filer_person_ids[0]]
    return sum(newest.values())


def _with_data_figures(
    household: household_pb2.Household, settlements: list[period.Settlement]
) -> household_pb2.Household:
    """The household with each DATA_FIGURE unit's income replaced by the return's figure,
    held by the first filer. The return says how much, not from what, so it is entered as
    one income that MAGI counts in full."""
    out = household_pb2.Household()
    out.CopyFrom(household)
    members = {m.person_id: m for m in out.members}
    for settlement in settlements:
        if settlement.outcome != period.DATA_FIGURE or settlement.income_cents is None:
            continue
        unit = _unit_of(out, settlement.issue.person_id)
        if unit is None:
            continue
        for index, filer in enumerate(unit.filer_person_ids):
            member = members[filer]
            del member.incomes[:]
            if index == 0 and settlement.income_cents > 0:
                member.incomes.append(
                    household_pb2.Income(
                        kind=household_pb2.INCOME_KIND_WAGES,
                        annual_amount_cents=settlement.income_cents,
                    )
                )
    return out


def _covered(household: household_pb2.Household, settlement: period.Settlement) -> set[str]:
    """Whose answers the settled issue bears on: an income issue's whole tax unit."""
    if settlement.issue.fact == "income.annual":
        unit = _unit_of(household, settlement.issue.person_id)
        if unit is not None:
            return set(tax_unit_members(unit))
    return {settlement.issue.person_id}


def _finish(
    fresh: StoredCase,
    settlements: list[period.Settlement],
    household: household_pb2.Household,
    now: dt.datetime,
    worker: str,
) -> list[CaseEventRow]:
    """Apply the settlements to the fresh answer; one event per settled issue."""
    by_rule = [s for s in settlements if s.outcome != period.DATA_FIGURE]
    settled = {(s.issue.person_id, s.issue.fact) for s in by_rule}
    fresh.issues = [i for i in fresh.issues if (i.person_id, i.fact) not in settled]
    for settlement in by_rule:
        covered = _covered(household, settlement)
        household_level = settlement.outcome == period.ATTESTATION_STANDS and not fresh.issues
        for row in fresh.determinations:
            if (row.person_id in covered) or (not row.person_id and household_level):
                after = period.apply(mapping.program_of(row), settlement)
                mapping.revise(
                    row,
                    status=det.DeterminationStatus.Name(after.status),
                    monthly_benefit_cents=after.monthly_benefit_cents,
                    reasons=mapping.reasons_text(after.reasons),
                )
    pending = any(row.status == PENDING_STATUS for row in fresh.determinations)
    mapping.revise(fresh.case, status=repository.PENDING if pending else "CASE_STATUS_DETERMINED")
    return [
        CaseEventRow(
            case_id=fresh.case.case_id,
            at=db_time(now),
            kind=SETTLED,
            status=fresh.case.status,
            detail=(
                f"{s.issue.person_id}: {s.issue.fact} ({s.issue.reason_code}) settled by rule: "
                f"{s.reason}. Notice sent: {s.notice}"
            ),
            worker=worker[:64],
        )
        for s in settlements
    ]
