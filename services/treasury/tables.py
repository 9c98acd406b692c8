"""Treasury's own records: filed federal tax returns (synthetic), and what it remembers
of consent proofs: the nonces it has accepted and the consents it was told are revoked."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel, UniqueConstraint

from shared.audit import audit_log
from shared.change_receipt import ReceivedChangeBase


class TaxReturn(SQLModel, table=True):
    __tablename__ = "treasury_tax_return"
    __table_args__ = (UniqueConstraint("primary_ssn", "tax_year"),)

    id: int | None = Field(default=None, primary_key=True)
    tax_year: int = Field(index=True)
    filing_status: str
    primary_ssn: str = Field(index=True, max_length=9)
    primary_given_name: str
    primary_family_name: str
    primary_birth_date: dt.date
    spouse_ssn: str | None = Field(default=None, index=True, max_length=9)
    spouse_given_name: str | None = None
    spouse_family_name: str | None = None
    spouse_birth_date: dt.date | None = None
    dependents: int = 0
    agi_cents: int
    # The premium-tax-credit MAGI adds back untaxed foreign income, tax-exempt
    # interest and non-taxable Social Security benefits (26 U.S.C. 36B(d)(2)(B)).
    magi_add_backs_cents: int = 0


class SeenNonce(SQLModel, table=True):
    """A consent proof's nonce, kept until the proof expires: the primary key makes the
    insert the atomic check, so replicas on one database accept a proof once between them."""

    __tablename__ = "treasury_seen_nonce"

    nonce: str = Field(primary_key=True, max_length=64)
    # When the proof expires, in seconds since the epoch as the proof says.
    expires_at: int = Field(index=True)


class RevokedConsent(SQLModel, table=True):
    """A consent the orchestrator says the person withdrew: no proof naming it is accepted."""

    __tablename__ = "treasury_revoked_consent"

    consent_id: str = Field(primary_key=True, max_length=64)
    revoked_at: dt.datetime
    recorded_at: dt.datetime
    request_id: str = Field(max_length=128)


class TreasuryReceivedChange(ReceivedChangeBase, table=True):
    """Each change notice Treasury was told of, once, with what it did (shared.change_receipt)."""

    __tablename__ = "treasury_received_change"


class AddressOfRecord(SQLModel, table=True):
    """A taxpayer's address of record as a reported move left it: where notices go, and
    the state whose return the next filing season expects."""

    __tablename__ = "treasury_address_of_record"

    ssn: str = Field(primary_key=True, max_length=9)
    line1: str = ""
    line2: str = ""
    city: str = ""
    state_code: str = Field(max_length=2)
    county: str = ""
    zip_code: str = ""
    effective_date: dt.date
    case_id: str = Field(max_length=64)


# Every release of tax data, and every refusal, in Treasury's own hash-chained log.
AUDIT = audit_log("treasury")

TABLES = [
    TaxReturn,
    SeenNonce,
    RevokedConsent,
    TreasuryReceivedChange,
    AddressOfRecord,
    *AUDIT.tables,
]
