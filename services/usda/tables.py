"""USDA's own records: the change notices it was told of and the SNAP allotment each
case's newest decision left. The SNAP rules themselves are data (parameters/), not rows."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from shared.added_columns import AddedColumn
from shared.audit import audit_log
from shared.change_receipt import ReceivedChangeBase


class UsdaReceivedChange(ReceivedChangeBase, table=True):
    """Each change notice USDA was told of, once, with what it did (shared.change_receipt)."""

    __tablename__ = "usda_received_change"


class SnapAllotment(SQLModel, table=True):
    """A case's SNAP household determination of record, as the orchestrator's newest
    decision it was told of left it."""

    __tablename__ = "usda_snap_allotment"

    case_id: str = Field(primary_key=True, max_length=64)
    # A DeterminationStatus name without its prefix: "ELIGIBLE", "INELIGIBLE", ...
    status: str = Field(max_length=32)
    monthly_allotment_cents: int = 0
    effective_date: dt.date
    # The notice that set it.
    idempotency_key: str = Field(max_length=160)
    # The orchestrator's decision it came from (the notice's revision; 0: not given): a
    # notice of a lower one never replaces it (shared.decision_order).
    revision: int = 0


# Each change notice USDA receives, in USDA's own hash-chained log.
AUDIT = audit_log("usda")

TABLES = [UsdaReceivedChange, SnapAllotment, *AUDIT.tables]

# Columns added since the first release, which opening an earlier database adds
# (shared.added_columns): what it already holds came from notices without a revision.
ADDED_COLUMNS: list[AddedColumn] = [
    ("usda_snap_allotment", "revision", "INTEGER NOT NULL DEFAULT 0", False),
]
