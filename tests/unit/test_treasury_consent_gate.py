"""Treasury's consent gate, its audit policy and its start-up, without a server."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from services.treasury.consent import MISSING, check_consent
from services.treasury.disclosure import for_answer
from services.treasury.domain import FilerAnswer, Status
from services.treasury.server import build
from shared import consent
from shared.audit import Outcome
from shared.consent import ConsentError, ensure_local_keys
from shared.security import Trust
from shared.settings import load_settings
from shared.tls import PLAINTEXT

NOW = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def keys(tmp_path):  # type: ignore[no-untyped-def]
    return ensure_local_keys(tmp_path)


def _proof(keys, ssns=("412558301", "412558302"), **overrides):  # type: ignore[no-untyped-def]
    claims = {
        "consent_ids": ["c-1"],
        "ssns": list(ssns),
        "purpose": "marketplace-eligibility-2027",
        "facts": ["income"],
        "audience": "treasury",
        "case_id": "case-77",
        "tax_years": [2025],
        "issued_at": NOW,
        "expires_at": NOW + dt.timedelta(seconds=60),
    }
    claims.update(overrides)
    return keys.signer().issue(**claims)


def _check(keys, proof: str, ssns=("412558301", "412558302")):  # type: ignore[no-untyped-def]
    return check_consent(
        keys.verifier(), proof, list(ssns), "marketplace-eligibility-2027", "case-77", 2025, NOW
    )


@pytest.mark.parametrize("proof", ["", "   "])
def test_no_proof_is_permission_denied_as_consent_missing(keys, proof: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConsentError) as caught:
        _check(keys, proof)
    error = caught.value.to_service_error()
    assert (error.code, error.reason) == (grpc.StatusCode.PERMISSION_DENIED, MISSING)


def test_a_proof_for_every_filer_passes(keys) -> None:  # type: ignore[no-untyped-def]
    assert _check(keys, _proof(keys)).consent_id == "c-1"


def test_a_proof_for_more_people_than_asked_about_still_covers_those_asked(keys) -> None:  # type: ignore[no-untyped-def]
    assert _check(keys, _proof(keys), ssns=["412558302"]).consent_id == "c-1"


def test_a_proof_missing_one_filer_is_the_wrong_subject(keys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConsentError) as caught:
        _check(keys, _proof(keys, ssns=["412558301"]))
    assert caught.value.reason_code == consent.WRONG_SUBJECT


def test_a_proof_made_out_to_another_agency_is_the_wrong_audience(keys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConsentError) as caught:
        _check(keys, _proof(keys, audience="ssa"))
    assert caught.value.reason_code == consent.WRONG_AUDIENCE


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [({"case_id": "case-78"}, consent.WRONG_CASE), ({"tax_years": [2024]}, consent.WRONG_TAX_YEAR)],
)
def test_a_proof_for_another_request_is_refused(keys, overrides, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConsentError) as caught:
        _check(keys, _proof(keys, **overrides))
    assert caught.value.reason_code == reason


@pytest.mark.parametrize(
    ("status", "outcome", "detail"),
    [
        (Status.VERIFIED, Outcome.DISCLOSED, "consent c-9"),
        (Status.IDENTITY_MISMATCH, Outcome.REFUSED, "IDENTITY_MISMATCH"),
        (Status.NO_RECORD, Outcome.REFUSED, "NO_RECORD"),
    ],
)
def test_only_a_verified_filer_is_audited_as_a_disclosure(status, outcome, detail) -> None:  # type: ignore[no-untyped-def]
    entry = for_answer("412558301", FilerAnswer("p1", status), "c-9")
    assert (entry.outcome, entry.detail) == (outcome, detail)


async def test_start_up_without_keys_fails_plainly_and_creates_none(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings("treasury", data_dir=tmp_path, database_url="")
    with pytest.raises(SystemExit) as caught:
        await build(settings, clock, Trust(PLAINTEXT))
    message = str(caught.value)
    assert "consent keys" in message and "subject.key" in message
    assert not (tmp_path / "keys").exists()
    assert not (tmp_path / "treasury.db").exists()


async def test_start_up_with_the_stacks_keys_serves_treasury(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    keys = ensure_local_keys(tmp_path)
    keys.private_key_path.unlink()  # Treasury must not need the signing key
    settings = load_settings("treasury", data_dir=tmp_path, database_url="")
    wiring = await build(settings, clock, Trust(PLAINTEXT))
    try:
        assert [b.full_name for b in wiring.bindings] == [
            "eligibility.treasury.v1.IncomeVerificationService"
        ]
    finally:
        assert wiring.on_stop is not None
        await wiring.on_stop()
