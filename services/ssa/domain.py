"""SSA's identity matching rules, free of gRPC and databases."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from shared.name_folding import fold_name

CITIZEN = "citizen"


class MatchStatus(enum.Enum):
    MATCH = "match"
    NO_RECORD = "no_record"
    NAME_MISMATCH = "name_mismatch"
    BIRTH_DATE_MISMATCH = "birth_date_mismatch"


@dataclass(frozen=True)
class IdentityQuery:
    person_id: str
    ssn: str
    given_name: str
    family_name: str
    birth_date: dt.date


@dataclass(frozen=True)
class PersonRecord:
    ssn: str
    given_name: str
    family_name: str
    birth_date: dt.date
    citizenship: str
    death_date: dt.date | None = None


@dataclass(frozen=True)
class IdentityAnswer:
    """What SSA releases. Everything past ``status`` is left empty unless it is MATCH."""

    person_id: str
    status: MatchStatus
    citizenship_verified: bool = False
    death_date: dt.date | None = None

    @property
    def deceased(self) -> bool:
        return self.death_date is not None


def names_agree(query: IdentityQuery, record: PersonRecord) -> bool:
    """The family name must agree in full; the given name in full or as an initial.

    SSA holds the full legal name, so unlike a tax return a shortened given name
    is not accepted, but a form that gives only an initial still matches on it.
    """
    if fold_name(query.family_name) != fold_name(record.family_name):
        return False
    given_q, given_r = fold_name(query.given_name), fold_name(record.given_name)
    if not given_q or not given_r:
        return False
    if len(given_q) == 1 or len(given_r) == 1:
        return given_q[0] == given_r[0]
    return given_q == given_r


def match(query: IdentityQuery, record: PersonRecord | None, today: dt.date) -> IdentityAnswer:
    """Compare a query with SSA's record for the SSN.

    The name is checked before the birth date, so a query wrong on both reads
    NAME_MISMATCH. A death dated after ``today`` is not yet known to SSA: the
    synthetic world may hold deaths that a replay has not reached.
    """
    if record is None:
        return IdentityAnswer(query.person_id, MatchStatus.NO_RECORD)
    if not names_agree(query, record):
        return IdentityAnswer(query.person_id, MatchStatus.NAME_MISMATCH)
    if query.birth_date != record.birth_date:
        return IdentityAnswer(query.person_id, MatchStatus.BIRTH_DATE_MISMATCH)
    known_death = record.death_date if record.death_date and record.death_date <= today else None
    return IdentityAnswer(
        query.person_id,
        MatchStatus.MATCH,
        citizenship_verified=record.citizenship == CITIZEN,
        death_date=known_death,
    )
