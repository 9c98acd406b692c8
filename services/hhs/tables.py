"""HHS's own records: counties' rating areas and benchmark (second-lowest-cost silver)
premiums; the change notices it was told of and the enrollments of record they left."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel, UniqueConstraint

from shared.added_columns import AddedColumn
from shared.audit import audit_log
from shared.change_receipt import ReceivedChangeBase


class CountyRatingArea(SQLModel, table=True):
    __tablename__ = "hhs_county_rating_area"
    __table_args__ = (UniqueConstraint("state_code", "county_key"),)

    id: int | None = Field(default=None, primary_key=True)
    county_fips: str = Field(max_length=5)
    state_code: str = Field(max_length=2)
    county: str
    # The county name folded for matching (services.hhs.benchmarks.county_key).
    county_key: str = Field(index=True)
    rating_area: str
    # The rating area really follows 3-digit ZIP codes (AK, MA, NE, Los Angeles County).
    zip_based: bool = False


class AreaBenchmarkPremium(SQLModel, table=True):
    # A new table, not hhs_benchmark_premium: that one held county names and state averages.
    __tablename__ = "hhs_area_benchmark_premium"
    __table_args__ = (UniqueConstraint("plan_year", "state_code", "rating_area", "county_fips"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_year: int = Field(index=True)
    state_code: str = Field(max_length=2)
    rating_area: str
    # Empty for the rating area's figure; a county's FIPS code for a county-level one.
    county_fips: str = ""
    # For one person of age_basis, per month.
    monthly_premium_cents: int
    age_basis: int
    reference: str = Field(sa_column=Column(Text, nullable=False))


class BenchmarkVersion(SQLModel, table=True):
    """One row whose number goes up with every write of rating areas or benchmark premiums,
    so a running service that holds them in memory sees a load and reads them again."""

    __tablename__ = "hhs_benchmark_version"

    id: int = Field(default=1, primary_key=True)
    generation: int = 0


class HhsReceivedChange(ReceivedChangeBase, table=True):
    """Each change notice HHS was told of, once, with what it did (shared.change_receipt)."""

    __tablename__ = "hhs_received_change"


class Enrollment(SQLModel, table=True):
    """A person's standing in one HHS program in one case, as the orchestrator's newest
    decision it was told of left it. A decision that leaves the person out of the case
    ends it: the row stays, with the standing it had and the day it ended."""

    __tablename__ = "hhs_enrollment"
    __table_args__ = (UniqueConstraint("case_id", "person_id", "program"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=64)
    person_id: str = Field(max_length=64)
    # "MEDICAID", "CHIP" or "MARKETPLACE".
    program: str = Field(max_length=16)
    # A DeterminationStatus name without its prefix: "ELIGIBLE", "INELIGIBLE", ...
    status: str = Field(max_length=32)
    # The APTC for the Marketplace; zero where the program pays none directly.
    monthly_benefit_cents: int = 0
    # A CsrLevel name without its prefix ("NONE", "73", ...); empty outside the Marketplace.
    csr_level: str = Field(default="", max_length=16)
    effective_date: dt.date
    # The notice that set it.
    idempotency_key: str = Field(max_length=160)
    # The orchestrator's decision it came from (the notice's revision; 0: not given): a
    # notice of a lower one never replaces it (shared.decision_order).
    revision: int = 0
    # Set when a decision left the person out of the case (a death, a departure): the
    # standing above held until this day. The decision that ended it (its revision and
    # notice) then orders it against later notices, so an older one never restores it.
    ended_on: dt.date | None = None
    ended_revision: int = 0
    ended_by: str = Field(default="", max_length=160)


class EnrollmentPeriod(SQLModel, table=True):
    """One standing a person held in one program of one case, from valid_from to
    valid_until (both days in; open while it holds). Written with the enrollment of record,
    in the same transaction, and never rewritten but for its end (services.hhs.periods).
    A row with ``left_case`` is the time the person was out of the case: no standing."""

    __tablename__ = "hhs_enrollment_period"
    # A notice sets at most one period for a person and program.
    __table_args__ = (UniqueConstraint("case_id", "person_id", "program", "set_by"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=64)
    person_id: str = Field(max_length=64)
    program: str = Field(max_length=16)
    # As in hhs_enrollment; empty (and no money) for a time out of the case.
    status: str = Field(default="", max_length=32)
    monthly_benefit_cents: int = 0
    csr_level: str = Field(default="", max_length=16)
    left_case: bool = False
    valid_from: dt.date
    # The last day it held; before valid_from when a later decision replaced it first.
    valid_until: dt.date | None = None
    # The notice and decision that set it, and those that ended it.
    set_by: str = Field(max_length=160)
    set_revision: int = 0
    closed_by: str = Field(default="", max_length=160)
    closed_revision: int = 0


# Each change notice HHS receives, in HHS's own hash-chained log.
AUDIT = audit_log("hhs")

TABLES = [
    CountyRatingArea,
    AreaBenchmarkPremium,
    BenchmarkVersion,
    HhsReceivedChange,
    Enrollment,
    EnrollmentPeriod,
    *AUDIT.tables,
]

# Columns added since the first release, which opening an earlier database adds
# (shared.added_columns): what it already holds came from notices without a revision
# and was never ended.
ADDED_COLUMNS: list[AddedColumn] = [
    ("hhs_enrollment", "revision", "INTEGER NOT NULL DEFAULT 0", False),
    ("hhs_enrollment", "ended_on", "DATE", False),
    ("hhs_enrollment", "ended_revision", "INTEGER NOT NULL DEFAULT 0", False),
    ("hhs_enrollment", "ended_by", "VARCHAR(160) NOT NULL DEFAULT ''", False),
]
