"""Consent proofs: what verifies, and every way a proof is refused."""

from __future__ import annotations

import base64
import datetime as dt
import json
import stat
from pathlib import Path

import grpc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import consent
from shared.consent import ConsentError, ConsentSigner, ConsentVerifier, ensure_local_keys
from shared.signing_keys import generate_signing_key, generate_subject_key
from shared.subject_refs import subject_reference

MARIA, JOSE, STRANGER = "412558301", "412558302", "523110042"
ISSUED = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)
EXPIRES = ISSUED + dt.timedelta(seconds=60)
NOW = ISSUED + dt.timedelta(seconds=5)
SUBJECT_KEY = bytes(range(32))
KEY = generate_signing_key()


def _issue(signer: ConsentSigner | None = None, **overrides: object) -> str:
    fields: dict[str, object] = {
        "consent_ids": ["consent-1"],
        "ssns": [MARIA, JOSE],
        "purpose": "marketplace-eligibility",
        "facts": ["income"],
        "audience": "treasury",
        "case_id": "case-77",
        "tax_years": [2025],
        "issued_at": ISSUED,
        "expires_at": EXPIRES,
    }
    fields.update(overrides)
    return (signer or ConsentSigner(KEY, SUBJECT_KEY)).issue(**fields)  # type: ignore[arg-type]


def _verify(token: str, verifier: ConsentVerifier | None = None, **overrides: object):  # type: ignore[no-untyped-def]
    asked: dict[str, object] = {
        "ssn": MARIA,
        "purpose": "marketplace-eligibility",
        "agency": "treasury",
        "fact": "income",
        "case_id": "case-77",
        "tax_year": 2025,
        "now": NOW,
    }
    asked.update(overrides)
    return (verifier or ConsentVerifier([KEY.public_key()], SUBJECT_KEY)).verify(token, **asked)  # type: ignore[arg-type]


def _refused(token: str, **overrides: object) -> str:
    with pytest.raises(ConsentError) as caught:
        _verify(token, **overrides)
    return caught.value.reason_code


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(header: dict[str, object], claims: dict[str, object], key=KEY) -> str:  # type: ignore[no-untyped-def]
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(key.sign(signing_input.encode()))}"


def _decode(part: str) -> dict:  # type: ignore[type-arg]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _parts(token: str) -> tuple[dict, dict]:  # type: ignore[type-arg]
    header, claims, _ = token.split(".")
    return _decode(header), _decode(claims)


def test_a_valid_proof_verifies_and_names_its_scope() -> None:
    claims = _verify(_issue())
    assert claims.consent_id == "consent-1"
    assert claims.purpose == "marketplace-eligibility"
    assert claims.facts == {"income"} and claims.audience == "treasury"
    assert (claims.case_id, claims.tax_years) == ("case-77", {2025})
    assert claims.expires_at == EXPIRES
    assert claims.issuer == "orchestrator"


def test_a_proof_under_several_consents_names_each() -> None:
    claims = _verify(_issue(consent_ids=["consent-2", "consent-1"]))
    assert claims.consent_ids == {"consent-1", "consent-2"}
    assert claims.consent_id == "consent-1,consent-2"


def test_every_proof_carries_its_own_nonce() -> None:
    nonces = {_verify(_issue()).nonce for _ in range(50)}
    assert len(nonces) == 50
    assert all(len(base64.urlsafe_b64decode(n + "==")) == consent.NONCE_BYTES for n in nonces)


def test_every_person_named_in_a_joint_proof_is_covered() -> None:
    token = _issue()
    _verify(token, ssn=[MARIA, JOSE])
    _verify(token, ssn=JOSE)


def test_the_proof_carries_no_ssn() -> None:
    token = _issue()
    _, claims = _parts(token)
    assert MARIA not in token and MARIA not in json.dumps(claims)
    assert claims["sub"] == sorted(
        [subject_reference(SUBJECT_KEY, MARIA), subject_reference(SUBJECT_KEY, JOSE)]
    )


def test_a_proof_signed_by_another_key_is_refused() -> None:
    forged = _issue(ConsentSigner(generate_signing_key(), SUBJECT_KEY))
    assert _refused(forged) == consent.SIGNATURE_INVALID


def test_a_forgery_that_borrows_the_trusted_key_id_is_refused() -> None:
    header, claims = _parts(_issue())
    forged = _signed(header, claims, key=generate_signing_key())
    assert _refused(forged) == consent.SIGNATURE_INVALID


def test_a_tampered_claim_breaks_the_signature() -> None:
    header, claims = _parts(_issue())
    claims["exp"] = int((EXPIRES + dt.timedelta(days=3650)).timestamp())
    head, _, signature = _issue().split(".")
    tampered = f"{head}.{_b64(json.dumps(claims).encode())}.{signature}"
    assert _refused(tampered) == consent.SIGNATURE_INVALID


def test_an_unsigned_proof_is_refused() -> None:
    header, claims = _parts(_issue())
    header["alg"] = "none"
    head = _b64(json.dumps(header).encode())
    body = _b64(json.dumps(claims).encode())
    assert _refused(f"{head}.{body}.") == consent.MALFORMED


def test_a_proof_living_longer_than_a_minute_is_refused_though_validly_signed() -> None:
    header, claims = _parts(_issue())
    claims["exp"] = claims["iat"] + 61
    assert _refused(_signed(header, claims)) == consent.LIFETIME_TOO_LONG
    claims["exp"] = claims["iat"] + 60
    _verify(_signed(header, claims))


def test_the_signer_refuses_to_issue_a_proof_for_longer_than_a_minute() -> None:
    with pytest.raises(ValueError):
        _issue(expires_at=ISSUED + dt.timedelta(seconds=61))


def test_a_proof_for_another_audience_is_refused() -> None:
    assert _refused(_issue(audience="ssa")) == consent.WRONG_AUDIENCE
    assert _refused(_issue(), agency="ssa") == consent.WRONG_AUDIENCE


def test_a_proof_for_another_case_is_refused() -> None:
    assert _refused(_issue(), case_id="case-78") == consent.WRONG_CASE
    assert _refused(_issue(), case_id="") == consent.WRONG_CASE


def test_a_proof_for_other_tax_years_is_refused() -> None:
    assert _refused(_issue(), tax_year=2024) == consent.WRONG_TAX_YEAR
    _verify(_issue(tax_years=[2024, 2025]), tax_year=2024)


@settings(max_examples=100, deadline=None)
@given(
    named=st.tuples(
        st.sampled_from(["c-1", "c-2", "c-3"]), st.sets(st.integers(2018, 2026), min_size=1)
    ),
    asked=st.tuples(st.sampled_from(["c-1", "c-2", "c-3"]), st.integers(2018, 2026)),
)
def test_a_proof_holds_exactly_for_the_case_and_years_it_names(named, asked) -> None:  # type: ignore[no-untyped-def]
    token = _issue(case_id=named[0], tax_years=sorted(named[1]))
    fits = asked[0] == named[0] and asked[1] in named[1]
    try:
        _verify(token, case_id=asked[0], tax_year=asked[1])
        held = True
    except ConsentError as error:
        assert error.reason_code in (consent.WRONG_CASE, consent.WRONG_TAX_YEAR)
        held = False
    assert held == fits


def test_an_expired_proof_is_refused_from_the_second_it_expires() -> None:
    token = _issue()
    _verify(token, now=EXPIRES - dt.timedelta(seconds=1))
    assert _refused(token, now=EXPIRES) == consent.EXPIRED


def test_a_proof_dated_in_the_future_is_refused() -> None:
    later = NOW + dt.timedelta(hours=1)
    token = _issue(issued_at=later, expires_at=later + dt.timedelta(seconds=60))
    assert _refused(token) == consent.NOT_YET_VALID


def test_a_proof_for_another_purpose_is_refused() -> None:
    assert _refused(_issue(), purpose="snap-eligibility") == consent.WRONG_PURPOSE


def test_a_proof_for_other_people_is_refused() -> None:
    token = _issue()
    assert _refused(token, ssn=STRANGER) == consent.WRONG_SUBJECT
    assert _refused(token, ssn=[MARIA, STRANGER]) == consent.WRONG_SUBJECT


def test_subject_references_depend_on_the_subject_key() -> None:
    # An agency holding another subject key cannot match the proof to the person.
    verifier = ConsentVerifier([KEY.public_key()], generate_subject_key())
    with pytest.raises(ConsentError) as caught:
        _verify(_issue(), verifier)
    assert caught.value.reason_code == consent.WRONG_SUBJECT


def test_a_fact_outside_the_scope_is_refused() -> None:
    token = _issue()
    assert _refused(token, fact="address") == consent.OUT_OF_SCOPE
    assert _refused(token, fact=["income", "address"]) == consent.OUT_OF_SCOPE


def test_a_revoked_consent_is_refused_when_the_verifier_is_told() -> None:
    verifier = ConsentVerifier(
        [KEY.public_key()], SUBJECT_KEY, is_revoked=lambda cid: cid == "consent-1"
    )
    with pytest.raises(ConsentError) as caught:
        _verify(_issue(), verifier)
    assert caught.value.reason_code == consent.REVOKED
    with pytest.raises(ConsentError) as caught:
        _verify(_issue(consent_ids=["consent-2", "consent-1"]), verifier)
    assert caught.value.reason_code == consent.REVOKED
    _verify(_issue(consent_ids=["consent-2"]), verifier)


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c.d", "!!!.???.***", "e30.e30.", "W10.W10.AAAA"],
)
def test_garbage_is_malformed_or_unsigned(token: str) -> None:
    assert _refused(token) in (consent.MALFORMED, consent.SIGNATURE_INVALID)


@pytest.mark.parametrize(
    "claim",
    ["ver", "iss", "aud", "cid", "case", "years", "jti", "sub", "pur", "facts", "iat", "exp"],
)
def test_a_signed_proof_missing_a_claim_is_malformed(claim: str) -> None:
    header, claims = _parts(_issue())
    del claims[claim]
    assert _refused(_signed(header, claims)) == consent.MALFORMED


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("years", []),
        ("years", ["2025"]),
        ("years", [True]),
        ("cid", []),
        ("cid", "consent-1"),
        ("exp", 10**20),
    ],
)
def test_a_signed_proof_with_a_claim_of_the_wrong_shape_is_malformed(claim, value) -> None:  # type: ignore[no-untyped-def]
    header, claims = _parts(_issue())
    claims[claim] = value
    assert _refused(_signed(header, claims)) == consent.MALFORMED


def test_a_signed_proof_of_an_unknown_version_is_malformed() -> None:
    header, claims = _parts(_issue())
    claims["ver"] = 99
    assert _refused(_signed(header, claims)) == consent.MALFORMED


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0), replacement=st.sampled_from("AQgw-_9z."))
def test_changing_any_character_of_a_proof_is_refused(position: int, replacement: str) -> None:
    token = _issue()
    i = position % len(token)
    if token[i] == replacement:
        return
    changed = token[:i] + replacement + token[i + 1 :]
    with pytest.raises(ConsentError):
        _verify(changed)


def test_a_refusal_maps_to_permission_denied_with_its_reason() -> None:
    error = ConsentError(consent.EXPIRED, "the consent expired", "consent-1").to_service_error()
    assert error.code == grpc.StatusCode.PERMISSION_DENIED
    assert error.reason == "CONSENT_EXPIRED"
    assert error.metadata == {"consent_id": "consent-1"}


@pytest.mark.parametrize(
    "empty", ["consent_ids", "ssns", "purpose", "facts", "audience", "case_id", "tax_years"]
)
def test_issuing_refuses_an_empty_scope(empty: str) -> None:
    with pytest.raises(ValueError):
        _issue(**{empty: "" if empty in ("purpose", "audience", "case_id") else []})


def test_issuing_refuses_a_backwards_lifetime() -> None:
    with pytest.raises(ValueError):
        _issue(expires_at=ISSUED)


def test_subject_keys_shorter_than_32_bytes_are_refused() -> None:
    with pytest.raises(ValueError):
        subject_reference(b"short", MARIA)


def test_references_of_one_person_differ_between_domains() -> None:
    assert subject_reference(SUBJECT_KEY, MARIA) != subject_reference(
        SUBJECT_KEY, MARIA, domain="elig-audit-subject-v1"
    )


def test_local_keys_are_created_once_and_kept_private(tmp_path: Path) -> None:
    keys = ensure_local_keys(tmp_path)
    first = keys.private_key_path.read_bytes()
    assert ensure_local_keys(tmp_path).private_key_path.read_bytes() == first
    assert stat.S_IMODE(keys.private_key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.subject_key_path.stat().st_mode) == 0o600
    token = _issue(keys.signer())
    _verify(token, keys.verifier())


def test_a_stack_trusts_only_its_own_signing_key(tmp_path: Path) -> None:
    ours = ensure_local_keys(tmp_path / "ours")
    theirs = ensure_local_keys(tmp_path / "theirs")
    # Same subject key, so only the signature tells the proofs apart.
    theirs.subject_key_path.write_bytes(ours.subject_key_path.read_bytes())
    with pytest.raises(ConsentError) as caught:
        _verify(_issue(theirs.signer()), ours.verifier())
    assert caught.value.reason_code == consent.SIGNATURE_INVALID


def test_during_a_key_rotation_both_keys_verify() -> None:
    old, new = generate_signing_key(), generate_signing_key()
    verifier = ConsentVerifier([old.public_key(), new.public_key()], SUBJECT_KEY)
    for key in (old, new):
        _verify(_issue(ConsentSigner(key, SUBJECT_KEY)), verifier)
