"""A change notice as every agency checks it before acting on it.

The orchestrator's dispatcher delivers at least once, so a notice carries its own
idempotency key, and the request's ``request_id`` must be that key: a retry of one
delivery and a second delivery of one notice are then the same thing to the agency.
Every problem is listed at once, as for any other request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import grpc

from eligibility.common.v1 import determination_pb2, life_event_pb2
from shared.errors import FieldViolation, ServiceError, invalid_argument
from shared.limits import MAX_HOUSEHOLD_MEMBERS
from shared.validation import check_date, check_ssn, check_state

Kind = life_event_pb2.LifeEventKind
# A child not yet given a number is still news to an agency (SSA enumerates it).
MAY_LACK_SSN = frozenset({Kind.LIFE_EVENT_KIND_BIRTH, Kind.LIFE_EVENT_KIND_ADOPTION})
# Notices the orchestrator sends for its own decisions (a new case's first, a redetermination):
# they exist to carry the answers, so one without any is refused.
ANSWERS_ONLY = frozenset(
    {
        Kind.LIFE_EVENT_KIND_ISSUE_SETTLED,
        Kind.LIFE_EVENT_KIND_RECHECKED,
        Kind.LIFE_EVENT_KIND_RENEWED,
        Kind.LIFE_EVENT_KIND_APPLIED,
    }
)
# A change may be reported ahead of its day (a move, a job starting), but not by years.
MAX_DAYS_AHEAD = 366


@dataclass(frozen=True)
class Subject:
    person_id: str
    ssn: str  # "" for a child SSA has not numbered yet


@dataclass(frozen=True)
class CheckedNotice:
    """A notice that passed every check, with what each agency reads from it."""

    key: str
    case_id: str
    kind: int
    kind_name: str  # "DEATH", "MOVE", ...
    effective_date: dt.date
    # The orchestrator's decision the answers come from (0: a sender from before revisions).
    revision: int
    subjects: tuple[Subject, ...]
    # The notice as sent, and its fingerprint: a key reused for other content is caught.
    raw: bytes
    fingerprint: str
    notice: life_event_pb2.ChangeNotice
    # Members the decision leaves out of the case: what is held for them ends.
    left: tuple[str, ...] = ()

    @property
    def ssns(self) -> list[str]:
        return [s.ssn for s in self.subjects if s.ssn]


def fingerprint(notice: life_event_pb2.ChangeNotice) -> tuple[bytes, str]:
    raw = notice.SerializeToString(deterministic=True)
    return raw, hashlib.sha256(raw).hexdigest()


def _check_subjects(
    notice: life_event_pb2.ChangeNotice, out: list[FieldViolation], needs_ssn: bool
) -> None:
    if not notice.subjects:
        out.append(FieldViolation("notice.subjects", "at least one member is required"))
    if len(notice.subjects) > MAX_HOUSEHOLD_MEMBERS:
        out.append(
            FieldViolation("notice.subjects", f"at most {MAX_HOUSEHOLD_MEMBERS} members a notice")
        )
        return
    seen: set[str] = set()
    for i, subject in enumerate(notice.subjects):
        path = f"notice.subjects[{i}]"
        if not subject.person_id.strip():
            out.append(FieldViolation(f"{path}.person_id", "is required"))
        elif subject.person_id in seen:
            out.append(FieldViolation(f"{path}.person_id", "appears twice in the notice"))
        seen.add(subject.person_id)
        if subject.ssn or (needs_ssn and notice.kind not in MAY_LACK_SSN):
            check_ssn(subject.ssn, f"{path}.ssn", out)


def _check_left(notice: life_event_pb2.ChangeNotice, out: list[FieldViolation]) -> None:
    """A member left out of the case is one the change concerns, named once."""
    subjects = {s.person_id for s in notice.subjects}
    seen: set[str] = set()
    for i, person_id in enumerate(notice.left_person_ids):
        path = f"notice.left_person_ids[{i}]"
        if person_id in seen:
            out.append(FieldViolation(path, "appears twice in the notice"))
        elif person_id not in subjects:
            out.append(FieldViolation(path, "must be one of the notice's subjects"))
        seen.add(person_id)


def _check_program(
    answer: determination_pb2.ProgramDetermination, path: str, out: list[FieldViolation]
) -> None:
    if answer.program == determination_pb2.PROGRAM_UNSPECIFIED:
        out.append(FieldViolation(f"{path}.program", "is required"))
    if answer.status == determination_pb2.DETERMINATION_STATUS_UNSPECIFIED:
        out.append(FieldViolation(f"{path}.status", "is required"))
    if answer.monthly_benefit_cents < 0:
        out.append(FieldViolation(f"{path}.monthly_benefit_cents", "must not be negative"))


def _check_determinations(notice: life_event_pb2.ChangeNotice, out: list[FieldViolation]) -> None:
    people = {s.person_id for s in notice.subjects}
    for i, person in enumerate(notice.determinations):
        path = f"notice.determinations[{i}]"
        if person.person_id not in people:
            out.append(FieldViolation(f"{path}.person_id", "must be one of the notice's subjects"))
        for j, answer in enumerate(person.programs):
            _check_program(answer, f"{path}.programs[{j}]", out)
    for i, answer in enumerate(notice.household_determinations):
        _check_program(answer, f"notice.household_determinations[{i}]", out)


def check_notice(
    request_id: str, notice: life_event_pb2.ChangeNotice, today: dt.date, needs_ssn: bool = True
) -> CheckedNotice:
    """Every problem with a delivered notice at once, or the notice, checked. An agency that
    keys its records on people's SSNs (``needs_ssn``) refuses a notice without them; one that
    keys them on the case (HHS, USDA) is told of members by person id only."""
    if notice.kind not in Kind.values():
        # A kind from a sender newer than this build (as RECHECKED, RENEWED and APPLIED were): not
        # the sender's mistake, so not refused for good; the dispatcher sends it again
        # after a wait, as to an agency on an older build, until this one is upgraded.
        raise ServiceError(
            grpc.StatusCode.UNIMPLEMENTED,
            "CHANGE_KIND_UNKNOWN",
            f"change kind {notice.kind} is not known to this build of the agency",
        )
    out: list[FieldViolation] = []
    if not request_id:
        out.append(FieldViolation("request_id", "is required: it is the notice's idempotency key"))
    if not notice.idempotency_key:
        out.append(FieldViolation("notice.idempotency_key", "is required"))
    elif request_id and notice.idempotency_key != request_id:
        out.append(
            FieldViolation("notice.idempotency_key", "must equal request_id: one key per notice")
        )
    if not notice.case_id.strip():
        out.append(FieldViolation("notice.case_id", "is required"))
    if notice.kind == Kind.LIFE_EVENT_KIND_UNSPECIFIED:
        out.append(FieldViolation("notice.kind", "is required"))
    effective = check_date(
        notice.effective_date,
        "notice.effective_date",
        out,
        not_after=today + dt.timedelta(days=MAX_DAYS_AHEAD),
    )
    if notice.revision < 0:
        out.append(FieldViolation("notice.revision", "must not be negative (0 when not given)"))
    _check_subjects(notice, out, needs_ssn)
    _check_determinations(notice, out)
    _check_left(notice, out)
    if notice.kind in ANSWERS_ONLY and not (
        notice.determinations or notice.household_determinations
    ):
        what = Kind.Name(notice.kind).removeprefix("LIFE_EVENT_KIND_")
        out.append(
            FieldViolation(
                "notice.determinations", f"{what} is sent for its new answers: give them"
            )
        )
    if notice.kind == Kind.LIFE_EVENT_KIND_MOVE:
        if not notice.HasField("new_address"):
            out.append(FieldViolation("notice.new_address", "is required for a move"))
        else:
            check_state(notice.new_address.state_code, "notice.new_address.state_code", out)
    if out or effective is None:
        raise invalid_argument(out)
    raw, digest = fingerprint(notice)
    return CheckedNotice(
        key=notice.idempotency_key,
        case_id=notice.case_id,
        kind=notice.kind,
        kind_name=Kind.Name(notice.kind).removeprefix("LIFE_EVENT_KIND_"),
        effective_date=effective,
        revision=notice.revision,
        subjects=tuple(Subject(s.person_id, s.ssn) for s in notice.subjects),
        raw=raw,
        fingerprint=digest,
        notice=notice,
        left=tuple(notice.left_person_ids),
    )
