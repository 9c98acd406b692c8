"""Stored rows <-> the contract's messages."""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import orjson
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.orm import configure_mappers
from sqlmodel import SQLModel

from eligibility.common.v1 import determination_pb2 as det
from eligibility.common.v1 import evidence_pb2, household_pb2, life_event_pb2
from eligibility.orchestrator.v1 import coordination_pb2 as pb
from services.orchestrator.adapters.evidence_store import db_time
from services.orchestrator.adapters.repository import StoredCase
from services.orchestrator.adapters.tables import (
    OUTBOX_ACKNOWLEDGED,
    OUTBOX_PENDING,
    OUTBOX_REFUSED,
    BurdenRow,
    CaseEventRow,
    CaseRow,
    ConsentRow,
    DataMatchingIssueRow,
    DeterminationRow,
    EvidenceRow,
    OutboxRow,
)
from services.orchestrator.domain.burden import Line
from services.orchestrator.domain.consents import PURPOSE as CONSENT_PURPOSE
from services.orchestrator.domain.consents import Grant
from services.orchestrator.domain.evidence import Fact
from services.orchestrator.domain.reconcile import Issue
from shared.protoconv import date_to_proto, timestamp_to_proto

Row = TypeVar("Row", bound=SQLModel)


def new_row(model: type[Row], **values: object) -> Row:
    """A new case's row, built without validation or ORM state: it is only read back and
    inserted in bulk (repository.save_new), never added to a session, and building
    dozens per application the usual way cost more than storing them. What
    ``model_construct`` makes, without its walk over every field's aliases per row."""
    defaults = _defaults(model)
    if defaults is None:
        return model.model_construct(**values)
    # object's own __new__: SQLModel's sets the pydantic attributes, as the lines below do.
    row = object.__new__(model)
    fields = dict(defaults)
    fields.update(values)
    object.__setattr__(row, "__dict__", fields)
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    return row


@functools.cache
def _defaults(model: type[SQLModel]) -> dict[str, object] | None:
    """Every field's plain default, for a model whose fields all have one (or are always
    given) and no aliases or factories; None sends the model to ``model_construct``."""
    # Columns of a row built this way are read through the mappers: set them up first.
    configure_mappers()
    if model.__pydantic_post_init__ or model.model_config.get("extra") == "allow":
        return None
    defaults: dict[str, object] = {}
    for name, field in model.model_fields.items():
        if field.alias or field.validation_alias or field.default_factory is not None:
            return None
        if isinstance(field.default, list | dict | set):  # model_construct copies these
            return None
        if not field.is_required():
            defaults[name] = field.default
    return defaults


def revise(row: SQLModel, **values: object) -> None:
    """Change fields of a row built by ``new_row``: it has no ORM state to tell, so the values
    go straight where the bulk insert reads them."""
    row.__dict__.update(values)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def mask_ssn(ssn: str) -> str:
    return "*****" + ssn[-4:] if len(ssn) == 9 else ""


def masked_household(household: household_pb2.Household) -> household_pb2.Household:
    out = household_pb2.Household()
    out.CopyFrom(household)
    for member in out.members:
        member.ssn = mask_ssn(member.ssn)
    return out


def _as_utc(value: dt.datetime | None) -> dt.datetime | None:
    # Every stored time is an aware UTC datetime.
    if value is None:
        return None
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def evidence_row(case_id: str, evidence_id: str, fact: Fact) -> EvidenceRow:
    return new_row(
        EvidenceRow,
        evidence_id=evidence_id,
        case_id=case_id,
        person_id=fact.person_id,
        subject_ref=fact.subject_ref,
        fact=fact.fact,
        value=fact.value,
        basis=fact.basis,
        reused_from=fact.reused_from,
        status=fact.status,
        source=fact.source,
        method=fact.method,
        obtained_at=_as_utc(fact.obtained_at),
        valid_until=_as_utc(fact.valid_until),
        consent_id=fact.consent_id,
    )


def household_of(stored: StoredCase) -> list[household_pb2.Person]:
    return list(household_pb2.Household.FromString(stored.case.household).members)


def _case_header(row: CaseRow) -> pb.Case:
    return pb.Case(
        case_id=row.case_id,
        request_id=row.request_id,
        status=pb.CaseStatus.Value(row.status),
        create_time=timestamp_to_proto(_utc(row.created_at)),
        update_time=timestamp_to_proto(_utc(row.updated_at)),
        plan_year=row.plan_year,
        programs=[det.Program.Value(p) for p in row.programs.split(",") if p],
        offered_programs=[det.Program.Value(p) for p in row.offered_programs.split(",") if p],
    )


def case_summary(row: CaseRow) -> pb.Case:
    """A case without personal data, for lists: no names, SSNs, dates or amounts."""
    household = household_pb2.Household.FromString(row.household)
    summary = _case_header(row)
    summary.household.members.extend(
        household_pb2.Person(person_id=m.person_id) for m in household.members
    )
    summary.household.address.state_code = household.address.state_code
    return summary


def determination_rows(
    case_id: str, person_id: str, programs: list[det.ProgramDetermination]
) -> list[DeterminationRow]:
    rows = []
    for p in programs:
        reasons = reasons_text(p.reasons)
        rows.append(
            new_row(
                DeterminationRow,
                case_id=case_id,
                person_id=person_id,
                program=det.Program.Name(p.program),
                status=det.DeterminationStatus.Name(p.status),
                monthly_benefit_cents=p.monthly_benefit_cents,
                csr_level=det.CsrLevel.Name(p.csr_level),
                reasons=reasons,
            )
        )
    return rows


def reasons_text(reasons: Sequence[det.Reason]) -> str:
    """How a determination's reasons are stored: the JSON json_format would write (compact,
    by orjson: every application stores a few dozen). The reasons are kept for reading
    back (see _ReasonsByText)."""
    text = orjson.dumps([_reason_dict(r) for r in reasons]).decode()
    _PARSED_REASONS.keep(text, reasons)
    return text


class _ReasonsByText:
    """The reasons a stored text holds, kept for the texts written last: an application's
    reply is built from the rows it has just stored, and reading its reasons back out of
    JSON cost more than the rest of the reply. Keyed by the text itself, so a hit is the
    same reasons whichever row asks."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._held: dict[str, list[det.Reason]] = {}
        # Rows are built on the event loop and in units of work on the database thread.
        self._lock = threading.Lock()

    def keep(self, text: str, reasons: Iterable[det.Reason]) -> None:
        copies = [_copied(r) for r in reasons]
        with self._lock:
            if len(self._held) >= self._size:
                del self._held[next(iter(self._held))]  # the oldest: dicts keep insertion order
            self._held[text] = copies

    def read(self, text: str) -> list[det.Reason]:
        held = self._held.get(text)
        if held is not None:
            return held  # shared: callers copy (a message field's assignment does)
        return [det.Reason(**r) for r in json.loads(text)]


def _copied(reason: det.Reason) -> det.Reason:
    copy = det.Reason()
    copy.CopyFrom(reason)
    return copy


# Enough for the applications in flight at once; a miss only costs the parse.
_PARSED_REASONS = _ReasonsByText(1024)


def _reason_dict(reason: det.Reason) -> dict[str, object]:
    """What json_format.MessageToDict gives for this all-text message (empty fields left
    out), without its reflection: every case stores and reads back dozens of reasons."""
    out: dict[str, object] = {}
    if reason.code:
        out["code"] = reason.code
    if reason.message:
        out["message"] = reason.message
    if reason.citation:
        out["citation"] = reason.citation
    if reason.figures:
        out["figures"] = dict(reason.figures)
    return out


def issue_row(case_id: str, issue: Issue) -> DataMatchingIssueRow:
    return new_row(
        DataMatchingIssueRow,
        case_id=case_id,
        person_id=issue.person_id,
        fact=issue.fact,
        reason_code=issue.reason_code,
        message=issue.message,
        due_date=issue.due_date,
    )


def program_of(row: DeterminationRow) -> det.ProgramDetermination:
    d = _fields(row, "reasons")
    return det.ProgramDetermination(
        program=_PROGRAM[d["program"]],
        status=_DETERMINATION_STATUS[d["status"]],
        monthly_benefit_cents=d["monthly_benefit_cents"],
        csr_level=_CSR_LEVEL[d["csr_level"]],
        reasons=_PARSED_REASONS.read(d["reasons"]),
    )


def reasons_of(row: DeterminationRow) -> list[det.Reason]:
    return [_copied(r) for r in _PARSED_REASONS.read(row.reasons)]


class _Stamps:
    """One reply's times as protobuf Timestamps, each worked out once: a source's facts
    share the time they were obtained and the time they stop being fresh."""

    def __init__(self) -> None:
        self._made: dict[dt.datetime, Timestamp] = {}

    def of(self, at: dt.datetime) -> Timestamp:
        made = self._made.get(at)
        if made is None:
            made = self._made[at] = timestamp_to_proto(_utc(at))
        return made


def _fields(row: SQLModel, probe: str) -> dict[str, Any]:
    """A row's values by column name. Read from the instance's dictionary: going through
    the ORM's attribute for each of a reply's hundreds of values cost more than building
    the reply. A row whose values are not all loaded (``probe`` missing) is read the
    ORM's way, which loads them."""
    held = row.__dict__
    if probe in held:
        return held
    return {name: getattr(row, name) for name in type(row).model_fields}


# Enum values by name, looked up once rather than through the enum wrapper per fact.
_EVIDENCE_STATUS = dict(evidence_pb2.EvidenceStatus.items())
_PROGRAM = dict(det.Program.items())
_DETERMINATION_STATUS = dict(det.DeterminationStatus.items())
_CSR_LEVEL = dict(det.CsrLevel.items())
_METHOD = dict(evidence_pb2.VerificationMethod.items())


def case_to_proto(stored: StoredCase) -> pb.Case:
    row = stored.case
    case = _case_header(row)
    case.household.CopyFrom(masked_household(household_pb2.Household.FromString(row.household)))
    persons: dict[str, det.PersonDetermination] = {}
    for d in stored.determinations:
        if d.person_id:
            person = persons.setdefault(d.person_id, det.PersonDetermination(person_id=d.person_id))
            person.programs.append(program_of(d))
        else:
            case.household_determinations.append(program_of(d))
    case.determinations.extend(persons.values())
    stamps = _Stamps()
    for row in stored.evidence:
        e = _fields(row, "evidence_id")
        valid_until = e["valid_until"]
        case.evidence.append(
            evidence_pb2.Evidence(
                evidence_id=e["evidence_id"],
                person_id=e["person_id"],
                fact=e["fact"],
                value=e["value"],
                status=_EVIDENCE_STATUS[e["status"]],
                provenance=evidence_pb2.Provenance(
                    source=e["source"],
                    method=_METHOD[e["method"]],
                    obtained_at=stamps.of(e["obtained_at"]),
                    valid_until=stamps.of(valid_until) if valid_until else None,
                    consent_id=e["consent_id"] or "",
                    reused_from=e["reused_from"] or "",
                ),
            )
        )
    case.data_matching_issues.extend(
        det.DataMatchingIssue(
            person_id=i.person_id,
            fact=i.fact,
            reason_code=i.reason_code,
            message=i.message,
            due_date=date_to_proto(i.due_date),
        )
        for i in stored.issues
    )
    case.history.extend(case_event(e) for e in stored.events)
    case.notifications.extend(notification(n) for n in stored.notifications)
    return case


def case_event(row: CaseEventRow) -> pb.CaseEvent:
    return pb.CaseEvent(
        time=timestamp_to_proto(_utc(row.at)),
        kind=pb.CaseEventKind.Value(f"CASE_EVENT_KIND_{row.kind}"),
        status=pb.CaseStatus.Value(row.status),
        detail=row.detail,
        sequence=row.id or 0,
    )


_NOTIFICATION_STATES = {
    OUTBOX_PENDING: pb.NOTIFICATION_STATE_PENDING,
    OUTBOX_ACKNOWLEDGED: pb.NOTIFICATION_STATE_ACKNOWLEDGED,
    OUTBOX_REFUSED: pb.NOTIFICATION_STATE_REFUSED,
}


def notification(row: OutboxRow) -> pb.AgencyNotification:
    """A notice's fate, without the notice (it names members by SSN)."""
    shown = pb.AgencyNotification(
        agency=row.agency,
        idempotency_key=row.idempotency_key,
        kind=life_event_pb2.LifeEventKind.Value(row.kind),
        state=_NOTIFICATION_STATES.get(row.state, pb.NOTIFICATION_STATE_UNSPECIFIED),
        attempts=row.attempts,
        create_time=timestamp_to_proto(_utc(row.created_at)),
    )
    if row.acknowledgement:
        shown.acknowledgement.ParseFromString(row.acknowledgement)
    return shown


def consent_rows(
    grants: list[Grant], ssn_by_ref: dict[str, str], case_id: str, now: dt.datetime
) -> list[ConsentRow]:
    return [
        new_row(
            ConsentRow,
            consent_id=g.consent_id,
            subject_ref=g.subject_ref,
            ssn_last4=ssn_by_ref[g.subject_ref][-4:],
            purpose=CONSENT_PURPOSE,
            agencies=",".join(sorted(g.agencies)),
            facts=",".join(sorted(g.facts)),
            granted_at=db_time(now),
            expires_at=db_time(g.expires_at),
            case_id=case_id,
        )
        for g in grants
        if g.new
    ]


def burden_rows(case_id: str, lines: list[Line]) -> list[BurdenRow]:
    # Inserted in bulk wherever they are written (save_new, save_recheck, insert_rows).
    return [
        new_row(
            BurdenRow,
            case_id=case_id,
            person_id=line.person_id,
            question=line.question,
            how=line.how,
        )
        for line in lines
    ]
