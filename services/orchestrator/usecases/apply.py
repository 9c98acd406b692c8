"""The application service: one household in, one combined determination out.

prefill -> intake -> gather verified facts (SSA, then Treasury under consent, reusing
what is fresh) -> determine (HHS and USDA side by side) -> combine -> persist the
case, its evidence, consents, burden ledger, audit outcomes and the notices that tell HHS
and USDA its answers (application_notices.py) in one transaction.
Each agency request is on the audit trail before it is sent (see audit_trail).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import grpc
import structlog
from sqlmodel import Session

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator import audit_trail, entitlement
from services.orchestrator.adapters import agency_requests, mapping, repository
from services.orchestrator.adapters.agencies import AgencyGateway, SourceUnavailable
from services.orchestrator.adapters.evidence_store import db_time
from services.orchestrator.adapters.refusal import AgencyRefused, declined_text
from services.orchestrator.adapters.repository import StoredCase
from services.orchestrator.adapters.subjects import Subjects
from services.orchestrator.adapters.tables import CaseEventRow, CaseRow
from services.orchestrator.audit_trail import (
    DISCLOSED,
    AuditNote,
    Trail,
    notes_for,
)
from services.orchestrator.domain import burden, consents
from services.orchestrator.domain.combine import Combined, combine, wants_hhs
from services.orchestrator.domain.evidence import EvidenceDirectory
from services.orchestrator.domain.intake import (
    normalise_state_code,
    plan_year_for,
    validate_application,
)
from services.orchestrator.domain.rating_day import RatingDays, rating_days
from services.orchestrator.refusal_trail import Refused
from services.orchestrator.usecases import application_notices
from services.orchestrator.usecases import redetermination_notices as notices
from services.orchestrator.usecases.case_gate import CASE_REVIEW_PURPOSE, CaseGate
from services.orchestrator.usecases.gathering import Gathered, Gatherer, OnFile, on_file
from services.orchestrator.usecases.prefill import PROFILE_FACTS, Prefilled, prefill, profile_facts
from shared.clock import Clock, SystemClock
from shared.consent import ConsentSigner
from shared.context import Principal, current_caller, current_principal
from shared.db import Database
from shared.errors import FieldViolation, ServiceError, invalid_argument
from shared.ordered_ids import ordered_id
from shared.single_flight import SingleFlight
from shared.validation import SSN_PATTERN

log = structlog.get_logger("orchestrator")
T = TypeVar("T")


DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
SUBSIDIES_PURPOSE = "insurance-affordability-programs"
SNAP_PURPOSE = "snap-eligibility"
PREFILL_PURPOSE = "prefill"
HHS_DISCLOSED = ("age", "pregnancy", "disability", "citizenship", "income", "household", "work")
USDA_DISCLOSED = ("age", "pregnancy", "disability", "income", "expenses", "work")


@dataclass(frozen=True)
class Replayed:
    """A stored case answering a retried request, and whom it is about."""

    case: pb.Case
    subject_refs: list[str]


def _prefill_disclosures(filled: Prefilled) -> list[AuditNote]:
    """One DISCLOSED entry per person whose earlier statements were filled in, naming the
    facts: they may have been stated in another caseworker's case, and a supervisor may
    fill them in from an SSN alone."""
    facts_of: dict[str, set[str]] = {}
    for (_, fact), row in filled.carried.items():
        facts_of.setdefault(row.subject_ref, set()).add(fact)
    caller = current_caller()
    return [
        AuditNote(caller, ref, tuple(sorted(facts)), PREFILL_PURPOSE, DISCLOSED)
        for ref, facts in sorted(facts_of.items())
        if ref
    ]


def fingerprint(request: pb.SubmitApplicationRequest) -> str:
    body = pb.SubmitApplicationRequest()
    body.CopyFrom(request)
    body.request_id = ""
    return hashlib.sha256(body.SerializeToString(deterministic=True)).hexdigest()


def _copy(request: pb.SubmitApplicationRequest) -> pb.SubmitApplicationRequest:
    out = pb.SubmitApplicationRequest()
    out.CopyFrom(request)
    return out


def _status_word(status: str) -> str:
    return status.removeprefix("CASE_STATUS_").lower().replace("_", " ")


def _summary(combined: Combined, gathered: Gathered) -> str:
    pending = len(gathered.issues)
    return "determined" if not combined.pending else f"pending: {pending} data-matching issue(s)"


def _keep_clocks(fresh: StoredCase, stored: StoredCase) -> None:
    """An issue still open after a redetermination keeps its due date: asking a source
    again does not restart the person's inconsistency period (45 CFR 155.315(f)(2)(ii))."""
    due = {(i.person_id, i.fact, i.reason_code): i.due_date for i in stored.issues}
    for issue in fresh.issues:
        key = (issue.person_id, issue.fact, issue.reason_code)
        mapping.revise(issue, due_date=due.get(key, issue.due_date))


def _agency_refusal(error: BaseException) -> AgencyRefused | None:
    """The agency refusal behind ``error``, raised alone or from inside a task group."""
    if isinstance(error, AgencyRefused):
        return error
    if isinstance(error, BaseExceptionGroup):
        found = error.subgroup(AgencyRefused)
        if found is not None:
            first = found.exceptions[0]
            return first if isinstance(first, AgencyRefused) else _agency_refusal(first)
    return None


@dataclass(frozen=True)
class Change:
    """A life event's part in a redetermination (see Coordinator.redetermine)."""

    household: household_pb2.Household
    # Programs outside the case to assess for an offer.
    assess: tuple[int, ...]
    # The history line, from the new answer.
    detail: Callable[[StoredCase], str]
    # Rows written with the answer, in its transaction (the outbox, the change's record).
    write: Callable[[Session, StoredCase, dt.datetime], None]
    # The day the change took effect: the answer is for the household from then.
    changed_on: dt.date | None = None
    # What the answer shows its caller of the case (case-review disclosures), written in
    # the answer's own append of audit entries.
    shown: tuple[AuditNote, ...] = ()


def _keep_case_programs(fresh: StoredCase, programs: list[int]) -> None:
    """Keep as the case's answer only what the case's own programs would have stored; the
    rest (assessed for an offer) moves to ``fresh.assessed``. The case's status follows
    what it keeps."""
    hhs = wants_hhs(programs)
    kept, assessed = [], []
    for row in fresh.determinations:
        program = det.Program.Value(row.program)
        ours = (program == det.PROGRAM_SNAP and program in programs) or (
            program != det.PROGRAM_SNAP and hhs
        )
        (kept if ours else assessed).append(row)
    fresh.determinations, fresh.assessed = kept, assessed
    pending = det.DeterminationStatus.Name(det.DETERMINATION_STATUS_PENDING_VERIFICATION)
    mapping.revise(
        fresh.case,
        programs=",".join(det.Program.Name(p) for p in programs),
        status=(
            repository.PENDING
            if any(r.status == pending for r in kept)
            else "CASE_STATUS_DETERMINED"
        ),
    )


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
        leases: Clock | None = None,
    ) -> None:
        self._db = db
        # When a case still pending is looked at again: real time, as a claim's lease (see
        # repository.claim_pending), since it waits for a source process to come back.
        self._leases = leases or SystemClock()
        self._agencies = agencies
        self._clock = clock
        self._directory = directory
        self._subjects = subjects
        self._yardstick = yardstick
        self._gatherer = Gatherer(db, agencies, directory, subjects, signer)
        self.gate = CaseGate(db, clock, subjects)
        # Keyed by (request_id, fingerprint, caller): a request_id reused for another
        # application is not joined to the first; the case table's unique (opener,
        # request_id) refuses it.
        self._flights: SingleFlight[tuple[str, str, str], pb.Case] = SingleFlight()

    # --- SubmitApplication -------------------------------------------------------------

    async def submit(
        self, request: pb.SubmitApplicationRequest, budget: Callable[[], float]
    ) -> pb.Case:
        """``budget()`` gives the seconds a downstream call may take right now.

        Copies of one request arriving together share one run: the agencies are asked
        once and every copy gets the same case."""
        # Before the fingerprint: a retry spelling the state in another case is the same request.
        normalise_state_code(request.household)
        print_ = fingerprint(request)
        who = current_principal()
        if not request.request_id:  # refused by validation; nothing to share
            return await self._submit(request, print_, budget, who)
        # Keyed by the caller too: another caseworker's copy is an application of their
        # own (a request_id belongs to its sender) and must not ride on this run.
        case = await self._flights.run(
            (request.request_id, print_, who.caseworker or ""),
            lambda: self._submit(request, print_, budget, who),
        )
        structlog.contextvars.bind_contextvars(case_id=case.case_id)
        return case

    async def _submit(
        self,
        request: pb.SubmitApplicationRequest,
        print_: str,
        budget: Callable[[], float],
        who: Principal,
    ) -> pb.Case:
        now = self._clock.now()
        refs = [self._subjects.ref(m.ssn) for m in request.household.members]

        def first_read(session: Session) -> tuple[Replayed | None, OnFile | None]:
            # One unit of work for the request_id check and what the gatherer reads
            # first: each trip to the database thread costs more than these reads.
            existing = self._replay(session, request.request_id, print_, who)
            return existing, None if existing is not None else on_file(session, refs, now)

        existing, held = await self._replaying(who, first_read)
        if existing is not None:
            log.info("submission replayed", case_id=existing.case.case_id)
            return await self._shown(existing)
        await self._check_prefill(request, who)
        if any(m.reuse_known_facts for m in request.household.members):
            filled = await self._db.read(lambda s: prefill(s, request, self._subjects, now))
        else:  # nothing to fill in: no database, no thread hop
            filled = Prefilled(_copy(request))
        violations: list[FieldViolation] = list(filled.asked)
        consents.check_grants(filled.request, violations)
        validate_application(filled.request, now.date(), violations)
        case_id = ordered_id()
        structlog.contextvars.bind_contextvars(case_id=case_id)
        trail = Trail(self._db, self._clock, case_id)
        # Facts filled in from the store are shown to the caller in the case it gets back.
        trail.note(_prefill_disclosures(filled))
        try:
            stored = await self._determine(filled, print_, case_id, now, budget, trail, held=held)
            mapping.revise(stored.case, opened_by=entitlement.owner_of_new_case(who))
            # HHS and USDA hold the case's answers from this first decision on.
            told = application_notices.first_notices(stored, now.date())
            stored.notifications = application_notices.outbox_rows(
                told, db_time(now), db_time(self._leases.now())
            )
            # The answer shows the caller the new case: on the trail as GetCase's showing
            # is, in the case's own append, so neither is ever kept without the other.
            shown = self.reviewed(mapping.household_of(stored))
            await self._db.run(lambda s: self._save(s, stored, trail, shown))
        except repository.DuplicateRequest:
            # Another replica stored this caller's request_id's case first: keep our
            # disclosures on record, then answer with that case.
            await trail.flush()
            replay = await self._replaying(
                who, lambda s: self._replay(s, request.request_id, print_, who)
            )
            assert replay is not None
            return await self._shown(replay)
        except BaseException as error:
            # Whatever the agencies answered before the failure stays on record.
            await trail.flush()
            refusal = _agency_refusal(error)
            if refusal is not None:  # an agency found the request itself wrong: no case
                raise refusal from None
            raise
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
        self, session: Session, stored: StoredCase, trail: Trail, shown: list[AuditNote]
    ) -> None:
        repository.save_new(session, stored)
        trail.write_outcomes(session, self._clock.now(), shown)

    async def _check_prefill(self, request: pb.SubmitApplicationRequest, who: Principal) -> None:
        """Facts are filled in from an SSN alone only for a caller who may see that person:
        otherwise an SSN would be enough to learn a stranger's name, birth date and income."""
        wanting = [
            self._subjects.ref(m.ssn)
            for m in request.household.members
            if m.reuse_known_facts and SSN_PATTERN.match(m.ssn)
        ]
        if not wanting or entitlement.sees_every_case(who):
            return
        caseworker = who.caseworker or ""
        known = await self._db.read(lambda s: repository.people_in_cases_of(s, caseworker, wanting))
        denied = tuple(ref for ref in wanting if ref not in known)
        if denied:
            error = entitlement.refusal(
                entitlement.PREFILL_NOT_ENTITLED,
                "known facts are filled in only for people in your own cases; "
                "give this member's details instead of reuse_known_facts",
            )
            # SSNs tried one after another are probes as case ids are: bounded alike.
            raise await self.gate.refuse(
                Refused(error, denied, tuple(PROFILE_FACTS), PREFILL_PURPOSE)
            )

    def reviewed(self, members: Iterable[household_pb2.Person]) -> list[AuditNote]:
        """The caller shown a case about ``members``: one ``case-review`` disclosure each,
        as GetCase writes."""
        return self.reviewed_refs(self._subjects.ref(m.ssn) for m in members)

    def reviewed_refs(self, refs: Iterable[str]) -> list[AuditNote]:
        return notes_for(current_caller(), refs, ("case",), CASE_REVIEW_PURPOSE, DISCLOSED)

    def show(self, session: Session, stored: StoredCase, now: dt.datetime) -> pb.Case:
        """``stored`` as the caller is shown it (a renewal's answer), on the audit trail as
        GetCase's is, in the caller's transaction."""
        notes = self.reviewed(mapping.household_of(stored))
        audit_trail.write(session, notes, stored.case.case_id, now)
        return mapping.case_to_proto(stored)

    async def _shown(self, replayed: Replayed) -> pb.Case:
        """A stored case given back to a retry is shown to the caller as GetCase shows
        it, so it is on the audit trail as GetCase's is."""
        notes = self.reviewed_refs(replayed.subject_refs)
        now = self._clock.now()
        await self._db.run(lambda s: audit_trail.write(s, notes, replayed.case.case_id, now))
        return replayed.case

    async def _replaying(self, who: Principal, work: Callable[[Session], T]) -> T:
        """``work`` as a read; when it met a case the caller may not read, the refusal is
        written (a read cannot) and raised as any refusal of that case."""
        try:
            return await self._db.read(work)
        except _OthersRequest as other:
            await self.gate.admit(who, other.case_id)
            raise AssertionError("the gate admitted a case it refused a moment ago") from None

    def _replay(
        self, session: Session, request_id: str, print_: str, who: Principal
    ) -> Replayed | None:
        if not request_id:
            return None
        # A request_id belongs to the caller who sent it: only the cases they opened are
        # looked at, so another caller's same request_id tells them nothing.
        row = repository.find_by_request_id(session, entitlement.owner_of_new_case(who), request_id)
        if row is None:
            return None
        # Always theirs for a caseworker. A caller proven without one (which access.yaml
        # keeps from this method) would share the opener-less space of the cases made
        # before caseworkers were proven, and must not be shown those.
        if not entitlement.may_read_case(who, row.opened_by):
            raise _OthersRequest(row.case_id)
        if row.request_fingerprint != print_:
            raise ServiceError(
                grpc.StatusCode.ALREADY_EXISTS,
                "REQUEST_ID_REUSED",
                "this request_id was used for a different application; use a new request_id",
                metadata={"case_id": row.case_id},
            )
        stored = repository.load(session, row.case_id)
        assert stored is not None
        refs = [self._subjects.ref(m.ssn) for m in mapping.household_of(stored)]
        return Replayed(mapping.case_to_proto(stored), refs)

    async def _determine(
        self,
        filled: Prefilled,
        print_: str,
        case_id: str,
        now: dt.datetime,
        budget: Callable[[], float],
        trail: Trail,
        changed_on: dt.date | None = None,
        *,
        held: OnFile | None = None,
        rating: RatingDays | None = None,
    ) -> StoredCase:
        """The answer holds from today, or from ``changed_on`` (a reported change's effective
        date) if that is later: ages are taken on that day moved into the plan year (see
        domain.answer_day), and SNAP is for that day's month. An answer given during its
        plan year thus takes the ages reached by now, whether it is a first application,
        a recheck or a settlement, and a milestone once reached is not undone by taking
        ages again on 1 January; one for a year not begun takes them on 1 January. The
        Marketplace premium of a case determined again is rated on the ages at the start of
        its coverage for the year instead (``rating``, domain.rating_day)."""
        request = filled.request
        household = request.household
        plan_year = plan_year_for(request, now.date())
        programs = list(request.programs)
        holds_from = now.date() if changed_on is None else max(changed_on, now.date())
        gathered = await self._gatherer.gather(
            request, case_id, plan_year, now, budget, trail, held
        )
        refs = [self._subjects.ref(m.ssn) for m in household.members]

        hhs_task = snap_task = None
        declined: dict[str, str] = {}
        async with asyncio.TaskGroup() as group:
            if wants_hhs(programs):
                quote = request.benchmark_premium if request.HasField("benchmark_premium") else None
                hhs_request = agency_requests.hhs_request(
                    household, plan_year, quote, holds_from, rating
                )
                hhs_task = group.create_task(
                    self._ask(
                        lambda send: self._agencies.determine_subsidies(
                            hhs_request, budget(), send
                        ),
                        notes_for("hhs", refs, HHS_DISCLOSED, SUBSIDIES_PURPOSE, DISCLOSED),
                        trail,
                        declined,
                    )
                )
            if det.PROGRAM_SNAP in programs:
                snap_request = agency_requests.snap_request(household, holds_from.replace(day=1))
                snap_task = group.create_task(
                    self._ask(
                        lambda send: self._agencies.determine_snap(snap_request, budget(), send),
                        notes_for("usda", refs, USDA_DISCLOSED, SNAP_PURPOSE, DISCLOSED),
                        trail,
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
        return self._stored(filled, print_, case_id, plan_year, now, gathered, combined)

    async def _ask(
        self,
        call: Callable[[Callable[[], Awaitable[None]]], Awaitable[T]],
        disclosed: list[AuditNote],
        trail: Trail,
        declined: dict[str, str],
    ) -> T | None:
        """Call an agency through the gateway, which audits it; note in ``declined`` why an
        agency that answered "not now" did so."""
        try:
            return await self._agencies.ask(call, disclosed, trail)
        except SourceUnavailable as error:
            if error.declined:
                declined[error.agency] = declined_text(error.agency, error.reason, error.code)
            return None

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
        case = mapping.new_row(
            CaseRow,
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
        stated = profile_facts(household, self._subjects, self._directory, now, filled.carried)
        facts = [*gathered.facts, *stated]
        ssn_by_ref = {self._subjects.ref(m.ssn): m.ssn for m in household.members}
        return StoredCase(
            case=case,
            evidence=[mapping.evidence_row(case_id, ordered_id(), f) for f in facts],
            determinations=determinations,
            issues=[mapping.issue_row(case_id, issue) for issue in gathered.issues],
            consents=mapping.consent_rows(gathered.new_grants, ssn_by_ref, case_id, now),
            burden=mapping.burden_rows(
                case_id,
                burden.ledger(
                    household,
                    list(request.programs),
                    self._yardstick,
                    filled.filled,
                    gathered.facts,
                    gathered.issues,
                ),
            ),
            events=[
                mapping.new_row(
                    CaseEventRow,
                    case_id=case_id,
                    at=db_time(now),
                    kind="APPLIED",
                    status=status,
                    detail=_summary(combined, gathered),
                )
            ],
        )

    # --- Follow-up of pending verifications ---------------------------------------------

    async def recheck(
        self,
        case_id: str,
        worker: str,
        budget: Callable[[], float],
        retry_after: dt.timedelta = dt.timedelta(minutes=5),
        told: list[str] | None = None,
    ) -> str | None:
        """Determine a pending case again from what it holds: facts still fresh are reused,
        so only what was missing (a source that could not be reached) is asked again. The
        case keeps the step in its history, and each agency whose answers it moved is told
        in the same transaction (redetermination_notices.py; their names go to ``told``).
        Returns the new status (None: no such case)."""
        stored = await self._db.run(lambda s: repository.load(s, case_id))
        if stored is None:
            return None
        teller = self.teller(stored, notices.RECHECKED)
        fresh = await self.redetermine(
            stored, stored.case.plan_year, "RECHECKED", worker, budget, retry_after, write=teller
        )
        if told is not None:
            told[:] = teller.told
        return fresh.case.status

    def teller(self, stored: StoredCase, kind: int) -> notices.Teller:
        """The ``write`` that tells agencies of the answers a redetermination of ``stored``
        moved, due on this coordinator's lease clock (the dispatcher's)."""
        return notices.Teller(stored, kind, self._leases.now)

    async def redetermine(
        self,
        stored: StoredCase,
        plan_year: int,
        kind: str,
        worker: str,
        budget: Callable[[], float],
        retry_after: dt.timedelta = dt.timedelta(minutes=5),
        change: Change | None = None,
        *,
        household: household_pb2.Household | None = None,
        settle: Callable[[StoredCase], list[CaseEventRow]] | None = None,
        write: Callable[[Session, StoredCase, dt.datetime], None] | None = None,
    ) -> StoredCase:
        """Determine a case again, for ``plan_year``, through the application's own path,
        and keep it as the case's answer with a ``kind`` event in its history. Raises
        repository.CaseMoved when another worker changed the case's plan year or its
        household first.

        A ``change`` brings the household after a life event: it is determined instead of
        the stored one and stored with the answer, programs outside the case are assessed
        (their answers go to ``fresh.assessed``, not to the case), and the change's own rows
        are written in the same transaction. ``household`` replaces the stored one (a
        settlement's data figure); ``settle`` adjusts the fresh answer before it is saved
        and returns the events to record instead of the ``kind`` event; ``write`` adds rows
        in the answer's transaction (the change notices of a settlement, a recheck or a
        renewal), as a change's does."""
        now = self._clock.now()
        case_id = stored.case.case_id
        programs = [det.Program.Value(p) for p in stored.case.programs.split(",") if p]
        if change is not None:
            household = change.household
        replaced = household is not None
        household = household or household_pb2.Household.FromString(stored.case.household)
        asked = list(programs)
        if change is not None:
            asked += [p for p in change.assess if p not in asked]
        request = pb.SubmitApplicationRequest(
            request_id=stored.case.request_id,
            plan_year=plan_year,
            household=household,
            programs=asked,
        )
        changed_on = change.changed_on if change is not None else None
        # Only HHS rates a premium: a case without its programs reads no join days.
        rating = await self._rating_days(stored, plan_year, change) if wants_hhs(asked) else None
        trail = Trail(self._db, self._clock, case_id)
        try:
            fresh = await self._determine(
                Prefilled(request),
                stored.case.request_fingerprint,
                case_id,
                now,
                budget,
                trail,
                changed_on,
                rating=rating,
            )
        except BaseException:
            await trail.flush()
            raise
        if change is not None:
            _keep_case_programs(fresh, programs)
        _keep_clocks(fresh, stored)
        # Only a renewal adds to the burden ledger here: a recheck or a settlement asks no
        # one, and a reported change writes its own lines (change.write).
        fresh.burden = (
            mapping.burden_rows(
                case_id,
                burden.renewal_ledger(
                    household, programs, self._yardstick, fresh.evidence, fresh.issues
                ),
            )
            if kind == "RENEWED"
            else []
        )
        if settle is not None:
            events = settle(fresh)
        else:
            before, after = _status_word(stored.case.status), _status_word(fresh.case.status)
            detail = f"plan year {plan_year}: {before} -> {after}"
            if change is not None:
                detail = change.detail(fresh)
            events = [
                CaseEventRow(
                    case_id=case_id,
                    at=db_time(now),
                    kind=kind,
                    status=fresh.case.status,
                    detail=detail,
                    worker=worker[:64],
                )
            ]
        still_pending = fresh.case.status == repository.PENDING
        next_look = db_time(self._leases.now() + retry_after) if still_pending else None

        def save(session: Session) -> None:
            repository.save_recheck(
                session,
                case_id,
                fresh,
                events,
                next_look,
                stored.case.plan_year,
                stored.case.household,
                replace_household=replaced,
            )
            if change is not None:
                change.write(session, fresh, now)
            if write is not None:
                write(session, fresh, now)
            trail.write_outcomes(session, now, change.shown if change is not None else ())

        try:
            await self._db.run(save)
        except (repository.CaseMoved, repository.DuplicateRequest):
            await trail.flush()
            raise
        log.info("case determined again", case_id=case_id, kind=kind, status=fresh.case.status)
        return fresh

    async def _rating_days(
        self, stored: StoredCase, plan_year: int, change: Change | None
    ) -> RatingDays:
        """When each member's coverage for ``plan_year`` began, for their premium's age: the
        case's first answer day in the year, or the day a reported change brought them in
        (this one's members new to the case join on its day)."""
        case_id = stored.case.case_id
        joined = await self._db.read(lambda s: repository.joined_days(s, case_id))
        if change is not None and change.changed_on is not None:
            before = household_pb2.Household.FromString(stored.case.household)
            known = {m.person_id for m in before.members}
            for m in change.household.members:
                if m.person_id not in known:
                    joined[m.person_id] = change.changed_on
        return rating_days(plan_year, stored.case.created_at.date(), joined)

    # --- GetCase / ListCases -----------------------------------------------------------

    async def get(self, case_id: str) -> pb.Case:
        if not case_id:
            raise invalid_argument([FieldViolation("case_id", "is required")])
        now = self._clock.now()

        who = current_principal()

        def read(session: Session) -> pb.Case | ServiceError | Refused:
            row = session.get(CaseRow, case_id)
            refused = self.gate.refusal(who, case_id, row)
            if refused is not None:
                return refused
            stored = repository.load(session, case_id)
            assert stored is not None
            # Showing a case discloses every member's data to whoever asked.
            audit_trail.write(session, self.reviewed(mapping.household_of(stored)), case_id, now)
            return mapping.case_to_proto(stored)

        case = await self._db.run(read)
        if not isinstance(case, pb.Case):
            raise await self.gate.refuse(case)
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

        who = current_principal()
        # A caseworker's list holds the cases they opened; supervisors and auditors see all.
        mine = None if entitlement.sees_every_case(who) else (who.caseworker or "")

        def page(session: Session) -> tuple[list[pb.Case], str]:
            rows, more = repository.list_page(session, size, after, mine)
            cases = [mapping.case_summary(row) for row in rows]
            token = repository.encode_page_token(rows[-1]) if more and rows else ""
            return cases, token

        return await self._db.run(page)


class _OthersRequest(Exception):
    """A request_id that made a case the caller may not read."""

    def __init__(self, case_id: str) -> None:
        super().__init__(case_id)
        self.case_id = case_id
