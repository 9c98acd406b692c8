"""Report a change once: a life event on a case is checked against the household, applied,
and every program the household is in is determined again through the application's own
path (facts still fresh are reused; a new member is verified with SSA). Programs outside
the case are assessed too and offered when the household may now qualify. Each agency
concerned gets a change notice written to the outbox in the same transaction as the new
answer, so a crash never tells an agency of an answer that was not kept, nor keeps one
without the notice.

The death of a case's only member leaves nobody to determine: the case closes instead,
every program it holds ends, and the agencies are told as for any change. A closed case
takes no further change.

Idempotent on request_id, which belongs to its reporter: their retry gets the first answer
and changes nothing; another reporter's same request_id is a change of their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import grpc
import structlog
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import household_pb2
from eligibility.common.v1 import life_event_pb2 as le
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator import audit_trail, entitlement
from services.orchestrator.adapters import mapping, outbox, repository
from services.orchestrator.adapters.evidence_store import db_time
from services.orchestrator.adapters.repository import StoredCase
from services.orchestrator.adapters.tables import (
    CaseEventRow,
    CaseRow,
    DataMatchingIssueRow,
    DeterminationRow,
    LifeEventRow,
)
from services.orchestrator.audit_trail import AuditNote
from services.orchestrator.domain import burden, events
from services.orchestrator.domain.combine import HHS_PROGRAMS
from services.orchestrator.domain.intake import MAX_REQUEST_ID, validate_application
from services.orchestrator.usecases.apply import Change, Coordinator
from shared.clock import Clock, SystemClock
from shared.context import Principal, current_principal
from shared.db import Database
from shared.errors import FieldViolation, ServiceError, invalid_argument, not_found
from shared.protoconv import date_from_proto

log = structlog.get_logger("orchestrator.report_change")

K = le.LifeEventKind
ALL_PROGRAMS = (*HHS_PROGRAMS, det.PROGRAM_SNAP)
# Who keeps records of which changes (beyond the programs' own agencies).
SSA_KINDS = frozenset(
    {
        K.LIFE_EVENT_KIND_BIRTH,
        K.LIFE_EVENT_KIND_ADOPTION,
        K.LIFE_EVENT_KIND_DEATH,
        K.LIFE_EVENT_KIND_MARRIAGE,
        K.LIFE_EVENT_KIND_DIVORCE,
        K.LIFE_EVENT_KIND_SEPARATION,
    }
)
TREASURY_KINDS = SSA_KINDS | {K.LIFE_EVENT_KIND_INCOME_CHANGE, K.LIFE_EVENT_KIND_MOVE}
OFFERABLE = frozenset(
    det.DeterminationStatus.Name(s)
    for s in (det.DETERMINATION_STATUS_ELIGIBLE, det.DETERMINATION_STATUS_CONDITIONAL)
)
# How often a report is tried again when another change to the same case landed first.
ATTEMPTS = 3
# Who a change reported by an agency's feed (not at a counter) is recorded as.
SYSTEM = "system"
# The reporter SSA's death feed reports as (death_reports.py).
DEATH_FEED = "ssa-death-reports"
# The names the orchestrator reports under on its own. A change's row keys its request_id
# by its reporter's name alone, so a caseworker whose token bore one of these would share
# that feed's request_ids: typing the feed's next one first would hold a death back.
SYSTEM_REPORTERS = frozenset({DEATH_FEED})
CLOSED = pb.CaseStatus.Name(pb.CASE_STATUS_CLOSED)
INELIGIBLE = det.DeterminationStatus.Name(det.DETERMINATION_STATUS_INELIGIBLE)


def case_closed(case_id: str) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.FAILED_PRECONDITION,
        "CASE_CLOSED",
        f"case {case_id} is closed: its only member died, and every program ended",
        metadata={"case_id": case_id},
    )


def reporter_name_reserved() -> ServiceError:
    return ServiceError(
        grpc.StatusCode.PERMISSION_DENIED,
        "REPORTER_NAME_RESERVED",
        "your sign-in names you as one of the orchestrator's own reporters, whose changes"
        " no caseworker may report; ask for a sign-in under your own name",
    )


def fingerprint(case_id: str, event: le.LifeEvent) -> str:
    return hashlib.sha256(
        case_id.encode() + b"\0" + event.SerializeToString(deterministic=True)
    ).hexdigest()


@dataclass(frozen=True)
class _Reporter:
    # Who reports, as the change's row keeps it (reported_by): the caseworker, or the
    # service reporting on its own. Their request_ids are theirs alone.
    name: str
    # A system reporter (SSA's death feed) acts on any case.
    system: bool
    who: Principal


class ReportChanges:
    def __init__(
        self,
        db: Database,
        coordinator: Coordinator,
        clock: Clock,
        yardstick: burden.Yardstick,
        leases: Clock | None = None,
    ) -> None:
        self._db = db
        self._coordinator = coordinator
        self._clock = clock
        self._yardstick = yardstick
        # When a notice is first due to the dispatcher: its lease time (outbox.claim_due).
        self._leases = leases or SystemClock()

    async def report(
        self, request: pb.ReportLifeEventRequest, budget: Callable[[], float]
    ) -> pb.ReportLifeEventResponse:
        """As a caseworker (their own cases) or a supervisor (any case)."""
        who = current_principal()
        reporter = _Reporter((who.caseworker or who.service)[:64], False, who)
        if reporter.name in SYSTEM_REPORTERS:
            raise reporter_name_reserved()
        return await self._report(request, budget, reporter)

    async def report_as_system(
        self, request: pb.ReportLifeEventRequest, budget: Callable[[], float], source: str
    ) -> pb.ReportLifeEventResponse:
        """A change an agency reported with no one at a counter (SSA's death feed)."""
        # Only a reserved name keeps the feed's request_ids from every caseworker's.
        assert source in SYSTEM_REPORTERS, source
        return await self._report(
            request, budget, _Reporter(source, True, Principal(SYSTEM, shown_as=source))
        )

    async def _report(
        self,
        request: pb.ReportLifeEventRequest,
        budget: Callable[[], float],
        reporter: _Reporter,
    ) -> pb.ReportLifeEventResponse:
        _check_request(request)
        if not reporter.system:
            await self._coordinator.gate.admit(reporter.who, request.case_id)
        print_ = fingerprint(request.case_id, request.event)
        for _ in range(ATTEMPTS):
            stored, replay = await self._db.run(lambda s: self._read(s, request, print_, reporter))
            if replay is not None:
                log.info("change replayed", case_id=request.case_id)
                return replay
            assert stored is not None
            try:
                return await self._apply(request, print_, stored, budget, reporter)
            except repository.CaseMoved:
                continue  # another change landed first: apply this one to its result
            except repository.DuplicateRequest:
                continue  # the same report, stored by a concurrent copy: answer with it
        raise ServiceError(
            grpc.StatusCode.ABORTED,
            "CASE_CHANGING",
            "the case kept changing while this change was applied; try again",
        )

    def _read(
        self,
        session: Session,
        request: pb.ReportLifeEventRequest,
        print_: str,
        reporter: _Reporter,
    ) -> tuple[StoredCase | None, pb.ReportLifeEventResponse | None]:
        stored = repository.load(session, request.case_id)
        if stored is None:  # only a system reporter gets here without the gate's leave
            raise not_found("case", request.case_id)
        first = session.exec(
            select(LifeEventRow).where(
                LifeEventRow.reported_by == reporter.name,
                LifeEventRow.request_id == request.request_id,
            )
        ).first()
        if first is None:
            if stored.case.status == CLOSED:
                raise case_closed(request.case_id)
            return stored, None
        if first.case_id != request.case_id or first.fingerprint != print_:
            # The reporter's own request_id, used before on this case or another: named
            # only if they may still read that case.
            same_case = first.case_id == request.case_id
            other = None if same_case else session.get(CaseRow, first.case_id)
            named = (
                same_case
                or reporter.system
                or (other is not None and entitlement.may_read_case(reporter.who, other.opened_by))
            )
            raise ServiceError(
                grpc.StatusCode.ALREADY_EXISTS,
                "REQUEST_ID_REUSED",
                "this request_id was used for a different change; use a new request_id",
                metadata={"case_id": first.case_id} if named else {},
            )
        # The first answer again: the case it holds is shown to the caller again.
        audit_trail.write(
            session, self._replay_shown(stored, reporter), request.case_id, self._clock.now()
        )
        return None, pb.ReportLifeEventResponse.FromString(first.answer)

    def _shown(self, reporter: _Reporter, *households: household_pb2.Household) -> list[AuditNote]:
        """The answer shows the case to whoever reported the change: a case-review
        disclosure about each person it speaks of (``households``: before the change and
        after it). A change from an agency's feed is shown to no one."""
        if reporter.system:
            return []
        people = {m.ssn: m for household in households for m in household.members}
        return self._coordinator.reviewed(people.values())

    def _replay_shown(self, stored: StoredCase, reporter: _Reporter) -> list[AuditNote]:
        """A replayed answer, about the case's people as it holds them now; once closed
        (nobody left in it), about everyone it keeps facts on."""
        if reporter.system:
            return []
        household = household_pb2.Household.FromString(stored.case.household)
        if household.members:
            return self._shown(reporter, household)
        refs = dict.fromkeys(e.subject_ref for e in stored.evidence if e.subject_ref)
        return self._coordinator.reviewed_refs(refs)

    async def _apply(
        self,
        request: pb.ReportLifeEventRequest,
        print_: str,
        stored: StoredCase,
        budget: Callable[[], float],
        reporter: _Reporter,
    ) -> pb.ReportLifeEventResponse:
        now = self._clock.now()
        event = request.event
        before = household_pb2.Household.FromString(stored.case.household)
        violations = events.validate(event, before, request.case_id, now.date())
        if violations:
            raise invalid_argument(violations)
        applied = events.apply(event, before)
        if not applied.household.members:
            return await self._close(request, print_, stored, applied, reporter, now)
        _check_result(applied, stored, now, date_from_proto(event.effective_date))
        programs = [det.Program.Value(p) for p in stored.case.programs.split(",") if p]
        word = events.kind_word(event.kind)
        answer = pb.ReportLifeEventResponse()

        def detail(fresh: StoredCase) -> str:
            changes = _changes(stored.determinations, fresh.determinations, programs, applied)
            offered = _offered(fresh, programs)
            answer.changes.extend(changes)
            answer.offered_programs.extend(offered)
            answer.notified_agencies.extend(_agencies(event.kind, programs, offered))
            return _history_line(word, date_from_proto(event.effective_date), changes, offered)

        def write(session: Session, fresh: StoredCase, at: object) -> None:
            row = _claim_request(session, request, print_, reporter, now)
            session.execute(
                update(CaseRow)
                .where(col(CaseRow.case_id) == request.case_id)
                .values(
                    offered_programs=",".join(det.Program.Name(p) for p in answer.offered_programs)
                )
            )
            outbox.enqueue_decision(
                session,
                request.case_id,
                [
                    (a, _notice(request, reporter, applied, fresh, a))
                    for a in answer.notified_agencies
                ],
                db_time(now),
                db_time(self._leases.now()),
            )
            recipients = [det.Program.Name(p) for p in programs] + [
                a for a in answer.notified_agencies if a in ("ssa", "treasury")
            ]
            repository.insert_rows(
                session,
                mapping.burden_rows(
                    request.case_id,
                    burden.change_ledger(K.Name(event.kind), recipients, self._yardstick),
                ),
            )
            session.flush()
            after = repository.load(session, request.case_id)
            assert after is not None
            answer.case.CopyFrom(mapping.case_to_proto(after))
            row.answer = answer.SerializeToString()
            session.add(row)

        change = Change(
            household=applied.household,
            assess=tuple(p for p in ALL_PROGRAMS if p not in programs),
            detail=detail,
            write=write,
            changed_on=date_from_proto(event.effective_date),
            shown=tuple(self._shown(reporter, before, applied.household)),
        )
        await self._coordinator.redetermine(
            stored,
            stored.case.plan_year,
            "LIFE_EVENT",
            reporter.name,
            budget,
            change=change,
        )
        log.info(
            "change reported",
            case_id=request.case_id,
            kind=K.Name(event.kind),
            changes=len(answer.changes),
            offered=len(answer.offered_programs),
            notified=list(answer.notified_agencies),
        )
        return answer

    async def _close(
        self,
        request: pb.ReportLifeEventRequest,
        print_: str,
        stored: StoredCase,
        applied: events.Applied,
        reporter: _Reporter,
        now: dt.datetime,
    ) -> pb.ReportLifeEventResponse:
        """The only member died: end every program the case holds, close the case, and
        tell the agencies, in one transaction. No agency is asked anything: there is no
        household left to determine."""
        event = request.event
        when = date_from_proto(event.effective_date)
        programs = [det.Program.Value(p) for p in stored.case.programs.split(",") if p]
        ended = _ended(stored.determinations, when)
        fresh = StoredCase(stored.case, [], ended, [])
        changes = _changes(stored.determinations, ended, programs, applied)
        answer = pb.ReportLifeEventResponse(
            changes=changes, notified_agencies=_agencies(event.kind, programs, [])
        )
        word = events.kind_word(event.kind)
        detail = _history_line(word, when, changes, []) + "; case closed"
        # The closed case is shown to the caller: about the member it held.
        shown = self._shown(reporter, household_pb2.Household.FromString(stored.case.household))

        def write(session: Session) -> None:
            row = _claim_request(session, request, print_, reporter, now)
            # Only if no other change replaced the household since it was read.
            moved = session.execute(
                update(CaseRow)
                .where(
                    col(CaseRow.case_id) == request.case_id,
                    col(CaseRow.household) == stored.case.household,
                )
                .values(
                    status=CLOSED,
                    household=applied.household.SerializeToString(deterministic=True),
                    updated_at=db_time(now),
                    offered_programs="",
                    claimed_by="",
                    claimed_until=None,
                )
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                raise repository.CaseMoved(request.case_id)
            # Nothing is left to settle or recheck.
            for table in (DeterminationRow, DataMatchingIssueRow):
                session.execute(delete(table).where(col(table.case_id) == request.case_id))
            repository.insert_rows(session, ended)
            repository.add_event(
                session,
                CaseEventRow(
                    case_id=request.case_id,
                    at=db_time(now),
                    kind="LIFE_EVENT",
                    status=CLOSED,
                    detail=detail,
                    worker=reporter.name[:64],
                ),
            )
            outbox.enqueue_decision(
                session,
                request.case_id,
                [
                    (a, _notice(request, reporter, applied, fresh, a))
                    for a in answer.notified_agencies
                ],
                db_time(now),
            )
            session.flush()
            after = repository.load(session, request.case_id)
            assert after is not None
            answer.case.CopyFrom(mapping.case_to_proto(after))
            row.answer = answer.SerializeToString()
            session.add(row)
            audit_trail.write(session, shown, request.case_id, now)

        await self._db.run(write)
        log.info(
            "case closed",
            case_id=request.case_id,
            kind=K.Name(event.kind),
            notified=list(answer.notified_agencies),
        )
        return answer


def _ended(rows: list[DeterminationRow], died_on: dt.date) -> list[DeterminationRow]:
    """Every answer of a case whose only member died, ended. The reason names no one: it
    travels to the agencies with the answer."""
    reason = {
        "code": "CASE_CLOSED_DEATH",
        "message": f"The only member of the household died on {died_on.isoformat()}: "
        "the case is closed and this program ends.",
        "figures": {"date_of_death": died_on.isoformat()},
    }
    return [
        DeterminationRow(
            case_id=r.case_id,
            person_id=r.person_id,
            program=r.program,
            status=INELIGIBLE,
            monthly_benefit_cents=0,
            reasons=json.dumps([reason]),
        )
        for r in rows
    ]


def _check_request(request: pb.ReportLifeEventRequest) -> None:
    violations = []
    if not request.request_id:
        violations.append(FieldViolation("request_id", "is required"))
    elif len(request.request_id) > MAX_REQUEST_ID:
        violations.append(
            FieldViolation("request_id", f"must be at most {MAX_REQUEST_ID} characters")
        )
    if not request.case_id:
        violations.append(FieldViolation("case_id", "is required"))
    if not request.HasField("event"):
        violations.append(FieldViolation("event", "is required"))
    if violations:
        raise invalid_argument(violations)


def _check_result(
    applied: events.Applied, stored: StoredCase, now: dt.datetime, effective: dt.date
) -> None:
    """The household a change leaves must itself be one the application would take, with
    ages on the day its answer will hold from (the change's day if still ahead)."""
    programs = [det.Program.Value(p) for p in stored.case.programs.split(",") if p]
    try:
        validate_application(
            pb.SubmitApplicationRequest(
                request_id=stored.case.request_id,
                household=applied.household,
                programs=programs,
                plan_year=stored.case.plan_year,
            ),
            now.date(),
            holds_from=max(effective, now.date()),
        )
    except ServiceError as error:
        raise invalid_argument(
            [
                FieldViolation(
                    "event",
                    f"leaves a household that cannot be determined: {v.field} {v.description}",
                )
                for v in error.violations
            ]
        ) from None


def _key(row: DeterminationRow) -> tuple[str, str]:
    return row.person_id, row.program


def _changes(
    before: list[DeterminationRow],
    after: list[DeterminationRow],
    programs: list[int],
    applied: events.Applied,
) -> list[pb.DeterminationChange]:
    """Only the answers that changed: status or amount, for the case's own programs (a
    member who left or joined counts as a change)."""
    names = {det.Program.Name(p) for p in programs}
    old = {_key(r): r for r in before if r.program in names}
    new = {_key(r): r for r in after if r.program in names}
    out = []
    for key in [*old, *(k for k in new if k not in old)]:
        was, now = old.get(key), new.get(key)
        if (
            was is not None
            and now is not None
            and (was.status, was.monthly_benefit_cents) == (now.status, now.monthly_benefit_cents)
        ):
            continue
        person, program = key
        change = pb.DeterminationChange(person_id=person, program=det.Program.Value(program))
        if was is not None:
            change.before_status = det.DeterminationStatus.Value(was.status)
            change.before_monthly_benefit_cents = was.monthly_benefit_cents
        if now is not None:
            change.after_status = det.DeterminationStatus.Value(now.status)
            change.after_monthly_benefit_cents = now.monthly_benefit_cents
            change.explanation = _decisive(now)
        else:
            change.explanation = f"{person} is no longer in the household"
        out.append(change)
    return out


# USDA's reasons walk through every test; these are the ones that settle an answer.
_SNAP_SETTLING = (
    "GROSS_INCOME_ABOVE_LIMIT",
    "BBCE_GROSS_LIMIT_EXCEEDED",
    "NET_INCOME_ABOVE_LIMIT",
    "TIME_LIMIT_EXHAUSTED",
    "NO_BENEFIT_PAYABLE",
    "MINIMUM_BENEFIT_APPLIED",
    "ALLOTMENT_COMPUTED",
)
# Added by the orchestrator to an answer whose facts are not all verified.
_QUALIFIERS = ("DATA_MATCHING_ISSUE", "VERIFICATION_PENDING")


def _decisive(row: DeterminationRow) -> str:
    """The reason that decided the answer, with its citation: HHS gives the deciding test
    first; for SNAP, the first test that settled it (a limit exceeded, or the allotment).
    An answer left conditional or pending by unverified facts says so too."""
    reasons = mapping.reasons_of(row)
    own = [r for r in reasons if r.code not in _QUALIFIERS]
    qualifier = next((r for r in reasons if r.code in _QUALIFIERS), None)
    reason = own[0] if own else None
    if row.program == "PROGRAM_SNAP" and own:
        settling = [r for r in own if r.code in _SNAP_SETTLING]
        # The minimum benefit replaces the computed allotment, which USDA lists before it.
        if any(r.code == "MINIMUM_BENEFIT_APPLIED" for r in settling):
            settling = [r for r in settling if r.code != "ALLOTMENT_COMPUTED"]
        reason = settling[0] if settling else own[-1]
    parts = [_cited(r) for r in (reason, qualifier) if r is not None]
    return "; ".join(parts)


def _cited(reason: det.Reason) -> str:
    return f"{reason.message} ({reason.citation})" if reason.citation else reason.message


def _offered(fresh: StoredCase, programs: list[int]) -> list[int]:
    """Programs outside the case that someone (or the household) may now qualify for."""
    rows = [*fresh.determinations, *fresh.assessed]
    return [
        p
        for p in ALL_PROGRAMS
        if p not in programs
        and any(r.program == det.Program.Name(p) and r.status in OFFERABLE for r in rows)
    ]


def _agencies(kind: int, programs: list[int], offered: list[int]) -> list[str]:
    concerned = {*programs, *offered}
    out = []
    if kind in SSA_KINDS:
        out.append("ssa")
    if kind in TREASURY_KINDS:
        out.append("treasury")
    if concerned & set(HHS_PROGRAMS):
        out.append("hhs")
    if det.PROGRAM_SNAP in concerned:
        out.append("usda")
    return out


def _notice(
    request: pb.ReportLifeEventRequest,
    reporter: _Reporter,
    applied: events.Applied,
    fresh: StoredCase,
    agency: str,
) -> le.ChangeNotice:
    event = request.event
    change = outbox.reported_change(reporter.name, request.request_id)
    notice = le.ChangeNotice(
        idempotency_key=outbox.idempotency_key(request.case_id, change, agency),
        case_id=request.case_id,
        kind=event.kind,
        effective_date=event.effective_date,
        # Only the agencies that key people on SSNs are sent them (data minimisation).
        subjects=[
            le.NoticeSubject(person_id=p.person_id, ssn=p.ssn if agency in _KEYED_ON_SSN else "")
            for p in applied.subjects
        ],
    )
    if event.kind == K.LIFE_EVENT_KIND_MOVE:
        notice.new_address.CopyFrom(event.new_address)
    if agency in _HOLD_ANSWERS:
        # The new answers leave them out, and an agency cannot tell "left" from "not
        # mentioned": named, so what it holds for them ends rather than stands.
        notice.left_person_ids.extend(applied.left)
    rows = [*fresh.determinations, *fresh.assessed]
    if agency == "hhs":
        persons: dict[str, det.PersonDetermination] = {}
        # Reasons travel as code, citation and figures, with the sentence clipped to what an
        # agency accepts in one field; the whole text stays on the case.
        for row in rows:
            if row.person_id and det.Program.Value(row.program) in HHS_PROGRAMS:
                person = persons.setdefault(
                    row.person_id, det.PersonDetermination(person_id=row.person_id)
                )
                person.programs.append(outbox.clipped_for_notice(mapping.program_of(row)))
        notice.determinations.extend(persons.values())
        # A change moves everyone's answers (household size, income): every member with an
        # answer is named, by person id only.
        named = {subject.person_id for subject in notice.subjects}
        notice.subjects.extend(
            le.NoticeSubject(person_id=person_id) for person_id in persons if person_id not in named
        )
    if agency == "usda":
        notice.household_determinations.extend(
            outbox.clipped_for_notice(mapping.program_of(r))
            for r in rows
            if r.program == "PROGRAM_SNAP" and not r.person_id
        )
    return notice


_KEYED_ON_SSN = ("ssa", "treasury")
# The agencies that keep records built from the answers they are sent.
_HOLD_ANSWERS = ("hhs", "usda")


def _history_line(
    word: str, when: object, changes: list[pb.DeterminationChange], offered: list[int]
) -> str:
    """What the history keeps of a change: the event and each answer that moved (no names:
    person ids only)."""
    parts = [f"{word} on {when}"]
    for change in changes:
        program = det.Program.Name(change.program).removeprefix("PROGRAM_")
        whom = change.person_id or "household"
        was = _short(change.before_status, change.before_monthly_benefit_cents)
        now = _short(change.after_status, change.after_monthly_benefit_cents)
        parts.append(f"{program} for {whom}: {was} -> {now}")
    if not changes:
        parts.append("no answer changed")
    if offered:
        names = ", ".join(det.Program.Name(p).removeprefix("PROGRAM_") for p in offered)
        parts.append(f"offered: {names}")
    return "; ".join(parts)


def _short(status: int, cents: int) -> str:
    if status == det.DETERMINATION_STATUS_UNSPECIFIED:
        return "none"
    word = det.DeterminationStatus.Name(status).removeprefix("DETERMINATION_STATUS_").lower()
    return f"{word} ${cents / 100:,.2f}/mo" if cents else word


def _claim_request(
    session: Session,
    request: pb.ReportLifeEventRequest,
    print_: str,
    reporter: _Reporter,
    now: dt.datetime,
) -> LifeEventRow:
    """The change's row, its answer still to come: inserted first, so a second report by
    the same reporter on the same request_id (a retry racing this one) fails here and
    nothing else is written."""
    row = LifeEventRow(
        request_id=request.request_id,
        case_id=request.case_id,
        fingerprint=print_,
        kind=K.Name(request.event.kind),
        effective_date=date_from_proto(request.event.effective_date),
        joined_person_id=request.event.new_member.person_id,
        reported_by=reporter.name,
        at=db_time(now),
        answer=b"",
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise repository.DuplicateRequest(request.request_id) from error
    return row
