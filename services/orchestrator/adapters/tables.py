"""The orchestrator's own records: cases, the evidence they used, their determinations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, LargeBinary, Text
from sqlmodel import Field, SQLModel

from shared.audit import audit_log

AUDIT = audit_log("orchestrator")


class CaseRow(SQLModel, table=True):
    __tablename__ = "orchestrator_case"
    # A request_id belongs to the caller who sent it, and the caller who sends an
    # application is the one who opens its case: one case per (opener, request_id), so a
    # retried submission never makes a second case (AIP-155), while another caseworker's
    # same request_id is an application of their own. (Unique on request_id alone before;
    # schema_upgrade moves older databases over.)
    __table_args__ = (
        Index("ix_orchestrator_case_request_per_caller", "opened_by", "request_id", unique=True),
    )

    case_id: str = Field(primary_key=True, max_length=64)
    request_id: str = Field(max_length=128)
    # The caseworker who opened the case (from their token): who may read it besides
    # supervisors and auditors, and whose request_id made it.
    opened_by: str = Field(default="", index=True, max_length=64)
    # A follow-up worker's claim on a pending case: who holds it, and until when.
    claimed_by: str = Field(default="", max_length=64)
    claimed_until: dt.datetime | None = Field(default=None)
    # SHA-256 of the request, to refuse a request_id reused for a different application.
    request_fingerprint: str = Field(max_length=64)
    status: str = Field(max_length=64)
    plan_year: int
    # Comma-separated Program enum names, in the order asked.
    programs: str
    # The submitted household, serialised eligibility.common.v1.Household.
    # Holds personal data: production deployments keep the database encrypted at rest.
    household: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: dt.datetime = Field(index=True)
    updated_at: dt.datetime
    # Programs outside the case the household may qualify for after its last reported
    # change: comma-separated Program enum names.
    offered_programs: str = Field(default="", max_length=200)
    # The revision of the case's last decision told to agencies: each redetermination that
    # writes change notices takes the next one, and its notices carry it (outbox).
    notice_revision: int = 0


class EvidenceRow(SQLModel, table=True):
    __tablename__ = "orchestrator_evidence"
    # The reuse lookup asks for a person's newest facts by name; the same index serves
    # every lookup by person alone. No other index on subject_ref or fact: each one is
    # written at every application, and none was read.
    __table_args__ = (Index("ix_orchestrator_evidence_subject_fact", "subject_ref", "fact", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    evidence_id: str = Field(unique=True, max_length=64)
    case_id: str = Field(foreign_key="orchestrator_case.case_id", index=True, max_length=64)
    person_id: str = Field(max_length=64)
    # Keyed hash of the person's SSN: finds a person's facts across cases
    # without storing the SSN beside them.
    subject_ref: str = Field(default="", max_length=64)
    fact: str = Field(max_length=80)
    value: str = Field(sa_column=Column(Text, nullable=False))
    # Digest of what the fact was checked against (name, birth date, tax year),
    # so it is reused only for the same claim.
    basis: str = Field(default="", max_length=64)
    reused_from: str | None = Field(default=None, max_length=40)
    status: str = Field(max_length=64)
    source: str = Field(max_length=64)
    method: str = Field(max_length=64)
    obtained_at: dt.datetime
    valid_until: dt.datetime | None = None
    consent_id: str | None = Field(default=None, max_length=64)


class DeterminationRow(SQLModel, table=True):
    __tablename__ = "orchestrator_determination"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="orchestrator_case.case_id", index=True, max_length=64)
    # Empty for a household-level program (SNAP).
    person_id: str = Field(default="", max_length=64)
    program: str = Field(max_length=64)
    status: str = Field(max_length=64)
    monthly_benefit_cents: int = 0
    csr_level: str = Field(default="CSR_LEVEL_UNSPECIFIED", max_length=64)
    # JSON list of reasons: code, message, citation, figures.
    reasons: str = Field(sa_column=Column(Text, nullable=False))


class DataMatchingIssueRow(SQLModel, table=True):
    __tablename__ = "orchestrator_data_matching_issue"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="orchestrator_case.case_id", index=True, max_length=64)
    person_id: str = Field(max_length=64)
    fact: str = Field(max_length=80)
    reason_code: str = Field(max_length=80)
    message: str = Field(sa_column=Column(Text, nullable=False))
    due_date: dt.date


class ConsentRow(SQLModel, table=True):
    __tablename__ = "orchestrator_consent"

    consent_id: str = Field(primary_key=True, max_length=40)
    subject_ref: str = Field(index=True, max_length=64)
    ssn_last4: str = Field(max_length=4)
    purpose: str = Field(max_length=80)
    # Comma-separated, sorted.
    agencies: str
    facts: str
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    revoke_reason: str = ""
    case_id: str = Field(default="", max_length=40)


class BurdenRow(SQLModel, table=True):
    """How one question of one case was answered: the burden ledger."""

    __tablename__ = "orchestrator_burden"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="orchestrator_case.case_id", index=True, max_length=40)
    # Empty for a household-level question (address, expenses).
    person_id: str = Field(default="", max_length=64)
    question: str = Field(max_length=40)
    # ASKED, PREFILLED or VERIFIED_FROM_DATA.
    how: str = Field(max_length=24)


class CaseEventRow(SQLModel, table=True):
    """What happened to a case, in order: applied, rechecked, an issue settled."""

    __tablename__ = "orchestrator_case_event"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="orchestrator_case.case_id", index=True, max_length=64)
    at: dt.datetime
    # The CaseEventKind without its prefix: APPLIED, RECHECKED, RENEWED, LIFE_EVENT,
    # ACKNOWLEDGED, NOTICE_REFUSED, ISSUE_SETTLED.
    kind: str = Field(max_length=24)
    # The case's status after the event.
    status: str = Field(max_length=64)
    detail: str = Field(sa_column=Column(Text, nullable=False))
    # Which worker did it, for a recheck.
    worker: str = Field(default="", max_length=64)
    # The outbox row an agency's answer is about (ACKNOWLEDGED, NOTICE_REFUSED), so a
    # watcher can be shown the notification with the event.
    notice_id: int | None = Field(default=None)


class LifeEventRow(SQLModel, table=True):
    """A change reported on a case, and the answer it got: what a retry of the same request
    is answered with, and the case's answers after each change, in order."""

    __tablename__ = "orchestrator_life_event"
    # One change per (reporter, request_id): a retried report never changes the case twice,
    # and another reporter's same request_id is a change of their own.
    __table_args__ = (
        Index(
            "ix_orchestrator_life_event_request_per_caller",
            "reported_by",
            "request_id",
            unique=True,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=128)
    case_id: str = Field(foreign_key="orchestrator_case.case_id", index=True, max_length=64)
    # SHA-256 of the event, to refuse a request_id reused for a different change.
    fingerprint: str = Field(max_length=64)
    # LifeEventKind name.
    kind: str = Field(max_length=48)
    effective_date: dt.date
    # The member a birth, adoption or marriage brought into the household ("" for none):
    # their Marketplace premium is rated at their age on effective_date (domain.rating_day).
    joined_person_id: str = Field(default="", max_length=64)
    # Who reported it, and whose request_id it is: a caseworker (their token's subject), or
    # a service reporting on its own (SSA's death reports).
    reported_by: str = Field(default="", max_length=64)
    at: dt.datetime
    # The serialised ReportLifeEventResponse, the case as it was right after the change.
    # Holds personal data, like the case row.
    answer: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class DeathReportCursor(SQLModel, table=True):
    """How far the orchestrator has read SSA's death reports."""

    __tablename__ = "orchestrator_death_report_cursor"

    source: str = Field(primary_key=True, max_length=32)
    last_sequence: int = 0
    updated_at: dt.datetime


OUTBOX_PENDING = "PENDING"
OUTBOX_ACKNOWLEDGED = "ACKNOWLEDGED"
OUTBOX_REFUSED = "REFUSED"


class OutboxRow(SQLModel, table=True):
    """One change notice to one agency, and its fate."""

    __tablename__ = "orchestrator_outbox"

    id: int | None = Field(default=None, primary_key=True)
    # "<case>:<decision>:<agency>" (outbox.idempotency_key): the same decision to the same
    # agency, however often sent.
    idempotency_key: str = Field(max_length=200, unique=True)
    case_id: str = Field(index=True, max_length=64)
    agency: str = Field(max_length=32)
    # LifeEventKind name, for reading the table without the notice.
    kind: str = Field(max_length=48)
    notice: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state: str = Field(default=OUTBOX_PENDING, max_length=16, index=True)
    attempts: int = 0
    created_at: dt.datetime
    updated_at: dt.datetime
    # Not tried again before this time (backoff after a failure).
    next_attempt_at: dt.datetime = Field(index=True)
    claimed_by: str = Field(default="", max_length=64)
    claimed_until: dt.datetime | None = None
    # The agency's ChangeAcknowledgement, once acknowledged.
    acknowledgement: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    # Why the last attempt failed (a status code name, never data).
    last_error: str = Field(default="", max_length=200)


TABLES = [
    CaseRow,
    EvidenceRow,
    DeterminationRow,
    DataMatchingIssueRow,
    ConsentRow,
    BurdenRow,
    CaseEventRow,
    OutboxRow,
    LifeEventRow,
    DeathReportCursor,
    *AUDIT.tables,
]
