"""Treasury's matching rules, free of gRPC and databases."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from shared.name_folding import fold_name


class Status(enum.Enum):
    VERIFIED = "verified"
    NO_RECORD = "no_record"
    IDENTITY_MISMATCH = "identity_mismatch"


@dataclass(frozen=True)
class FilerQuery:
    person_id: str
    ssn: str
    given_name: str
    family_name: str
    birth_date: dt.date


@dataclass(frozen=True)
class ReturnRecord:
    tax_year: int
    filing_status: str
    filer_ssn: str
    given_name: str
    family_name: str
    birth_date: dt.date
    family_size: int
    agi_cents: int
    magi_cents: int


@dataclass(frozen=True)
class FilerAnswer:
    person_id: str
    status: Status
    record: ReturnRecord | None = None


def match(query: FilerQuery, record: ReturnRecord | None) -> FilerAnswer:
    """A return is released only when SSN, family name and birth date all agree.

    The given name is not required to match exactly: returns often carry a
    shortened or initial-only first name, so its first letter must agree.
    """
    if record is None:
        return FilerAnswer(query.person_id, Status.NO_RECORD)
    same_family = fold_name(query.family_name) == fold_name(record.family_name)
    given_q, given_r = fold_name(query.given_name), fold_name(record.given_name)
    same_given = bool(given_q) and bool(given_r) and given_q[0] == given_r[0]
    if not (same_family and same_given and query.birth_date == record.birth_date):
        return FilerAnswer(query.person_id, Status.IDENTITY_MISMATCH)
    return FilerAnswer(query.person_id, Status.VERIFIED, record)
