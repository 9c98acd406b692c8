"""The audit log's pure parts: the canonical hash and the subject reference."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.audit import GENESIS_HASH, AuditLog, audit_log, audit_subject_ref, entry_hash
from shared.subject_refs import subject_reference

KEY = bytes(range(32))


def _entry(**overrides: object):  # type: ignore[no-untyped-def]
    log = audit_log("unitcheck")
    fields: dict[str, object] = {
        "seq": 1,
        "recorded_at": dt.datetime(2026, 11, 25, 15, 0, 0, 123456),
        "actor_service": "orchestrator",
        "actor_caseworker": "cw-7",
        "subject_ref": audit_subject_ref(KEY, "412558301"),
        "facts": '["income"]',
        "case_id": "case-1",
        "purpose": "marketplace-eligibility",
        "outcome": "DISCLOSED",
        "detail": "",
        "prev_hash": GENESIS_HASH,
        "hash": "",
    }
    fields.update(overrides)
    return log.entry(**fields)


def test_the_hash_is_the_same_for_the_same_entry_and_zone() -> None:
    naive = _entry()
    aware = _entry(
        recorded_at=dt.datetime(
            2026, 11, 25, 10, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-5))
        )
    )
    assert entry_hash(naive) == entry_hash(aware)
    assert len(entry_hash(naive)) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 2},
        {"recorded_at": dt.datetime(2026, 11, 25, 15, 0, 0, 123457)},
        {"actor_service": "treasury"},
        {"actor_caseworker": ""},
        {"subject_ref": "someone-else"},
        {"facts": '["identity","income"]'},
        {"case_id": "case-2"},
        {"purpose": "snap-eligibility"},
        {"outcome": "REFUSED"},
        {"detail": "x"},
        {"prev_hash": "1" * 64},
    ],
)
def test_every_field_is_covered_by_the_hash(change: dict[str, object]) -> None:
    assert entry_hash(_entry(**change)) != entry_hash(_entry())


def test_audit_references_are_keyed_and_apart_from_consent_references() -> None:
    ref = audit_subject_ref(KEY, "412558301")
    assert "412558301" not in ref
    assert ref != subject_reference(KEY, "412558301")
    assert ref != audit_subject_ref(bytes(32), "412558301")


def test_one_prefix_gives_one_log() -> None:
    assert audit_log("unitcheck") is audit_log("unitcheck")
    assert audit_log("unitcheck").entry.__tablename__ == "unitcheck_audit_log"


@pytest.mark.parametrize("prefix", ["", "Orchestrator", "drop table", "1ssa", "a" * 41])
def test_prefixes_that_are_not_plain_names_are_refused(prefix: str) -> None:
    with pytest.raises(ValueError):
        AuditLog(prefix)
