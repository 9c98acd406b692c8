"""Facts with provenance, and the directory that says who owns each fact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from shared.yaml_data import read_yaml

DIRECTORY_FILE = Path(__file__).with_name("evidence_directory.yaml")

# Evidence statuses and methods, spelled as the contract's enum names.
VERIFIED = "EVIDENCE_STATUS_VERIFIED"
INCONSISTENT = "EVIDENCE_STATUS_INCONSISTENT"
NO_RECORD = "EVIDENCE_STATUS_NO_RECORD"
SOURCE_UNAVAILABLE = "EVIDENCE_STATUS_SOURCE_UNAVAILABLE"
ATTESTED = "EVIDENCE_STATUS_ATTESTED"
ELECTRONIC = "VERIFICATION_METHOD_ELECTRONIC_DATA_SOURCE"
ATTESTATION = "VERIFICATION_METHOD_ATTESTATION"


def still_fresh(valid_until: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a fact valid until ``valid_until`` still holds at ``now``; a time without a
    zone is UTC, as the store keeps it."""
    if valid_until is None:
        return False
    return _utc(valid_until) > _utc(now)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# From the status that most limits an answer to the least.
_SEVERITY = (SOURCE_UNAVAILABLE, INCONSISTENT, NO_RECORD, ATTESTED, VERIFIED)


def worst(*statuses: str) -> str:
    """The status that limits an answer most; VERIFIED when there is none."""
    present = set(statuses)
    return next((s for s in _SEVERITY if s in present), VERIFIED)


@dataclass(frozen=True)
class Fact:
    person_id: str
    fact: str
    value: str
    status: str
    source: str
    method: str
    obtained_at: dt.datetime
    valid_until: dt.datetime | None = None
    consent_id: str | None = None
    subject_ref: str = ""
    # What the fact was checked against; see Subjects.claim.
    basis: str = ""
    # The evidence_id of the fact this one repeats from an earlier case.
    reused_from: str | None = None


@dataclass(frozen=True)
class FactSource:
    source: str
    fresh_for: dt.timedelta


@dataclass(frozen=True)
class EvidenceDirectory:
    facts: dict[str, FactSource]
    compatibility_threshold: float
    compatibility_citation: str
    inconsistency_days: int
    inconsistency_citation: str

    @classmethod
    def load(cls, path: Path = DIRECTORY_FILE) -> EvidenceDirectory:
        raw = read_yaml(path)
        return cls(
            facts={
                name: FactSource(item["source"], dt.timedelta(days=int(item["fresh_days"])))
                for name, item in raw["facts"].items()
            },
            compatibility_threshold=float(raw["reasonable_compatibility"]["threshold"]),
            compatibility_citation=raw["reasonable_compatibility"]["citation"],
            inconsistency_days=int(raw["inconsistency_period"]["days"]),
            inconsistency_citation=raw["inconsistency_period"]["citation"],
        )

    def fact(
        self,
        person_id: str,
        name: str,
        value: str,
        status: str,
        obtained_at: dt.datetime,
        consent_id: str | None = None,
        subject_ref: str = "",
    ) -> Fact:
        """A fact stamped with its owner and freshness from the directory."""
        source = self.facts[name]
        attested = source.source == "applicant"
        return Fact(
            person_id=person_id,
            fact=name,
            value=value,
            status=status,
            source=source.source,
            method=ATTESTATION if attested else ELECTRONIC,
            obtained_at=obtained_at,
            valid_until=obtained_at + source.fresh_for,
            consent_id=consent_id,
            subject_ref=subject_ref,
        )
