"""Treasury's proof ledger on its own: a proof is admitted once, never when one of its
consents is revoked, and a revocation is named before a replay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlmodel import select

from services.treasury import proof_ledger
from services.treasury.tables import TABLES, SeenNonce
from shared.consent import REPLAYED, REVOKED, ConsentClaims, ConsentError
from shared.db import Database

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)


def _claims(nonce: str, *consent_ids: str) -> ConsentClaims:
    return ConsentClaims(
        consent_ids=frozenset(consent_ids),
        issuer="orchestrator",
        key_id="k",
        audience="treasury",
        case_id="case-1",
        tax_years=frozenset({2025}),
        nonce=nonce,
        subject_refs=frozenset({"ref"}),
        purpose="marketplace-eligibility-2027",
        facts=frozenset({"income"}),
        issued_at=NOW,
        expires_at=NOW + dt.timedelta(seconds=60),
    )


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """On each engine: the admitting insert is written per dialect."""
    database = Database(database_url, TABLES)
    database.create_tables()
    yield database
    database.dispose()


def _admit(db: Database, claims: ConsentClaims) -> str | None:
    """The refusal's reason, or None when admitted (and committed)."""
    try:
        with db.session() as session:
            proof_ledger.admit(session, claims)
    except ConsentError as error:
        return error.reason_code
    return None


def _revoke(db: Database, consent_id: str) -> None:
    with db.session() as session:
        proof_ledger.record_revocation(session, consent_id, NOW, f"revoke-{consent_id}", NOW)


def _nonces(db: Database) -> set[str]:
    with db.session() as session:
        return set(session.exec(select(SeenNonce.nonce)))


def test_a_proof_is_admitted_once(db: Database) -> None:
    assert _admit(db, _claims("n1", "c1", "c2")) is None
    assert _admit(db, _claims("n1", "c1", "c2")) == REPLAYED
    assert _nonces(db) == {"n1"}


def test_a_proof_naming_a_revoked_consent_is_refused_and_its_nonce_not_kept(
    db: Database,
) -> None:
    _revoke(db, "c3")
    # Three consents are bound in a padded shape of four: the last is repeated.
    assert _admit(db, _claims("n2", "c1", "c2", "c3")) == REVOKED
    assert _admit(db, _claims("n3", "c3")) == REVOKED
    assert _nonces(db) == set()
    assert _admit(db, _claims("n4", "c1", "c2", "c4")) is None


def test_a_revocation_is_named_before_a_replay(db: Database) -> None:
    assert _admit(db, _claims("n5", "c5")) is None
    _revoke(db, "c5")
    assert _admit(db, _claims("n5", "c5")) == REVOKED
