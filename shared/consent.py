"""Signed consent proofs: the orchestrator issues them, an agency checks them on its own.

A proof is a JWS in compact form (shared/jws.py: RFC 7515, Ed25519 per RFC 8037)::

    base64url(header) "." base64url(claims) "." base64url(signature)

so stock JOSE tools can read one, while this module accepts only what it issued: the
header must say ``alg`` EdDSA and ``typ`` elig-consent+jws, and ``kid`` must name a
trusted key. The agency needs only the public key and the subject key, never a call
back to the issuer.

A proof is good for one request, so one captured on the wire is worth nothing more:
it names its audience (the agency service it is for), the case and the tax years it
covers, and a random nonce, and it lives a minute at most. A verifier refuses a proof
whose lifetime is longer, whatever its signature says, so a leaked signing key cannot
mint long-lived proofs either. That the nonce is used once is the agency's to check
against its own store (this module keeps no state); revocation likewise, though a
verifier can be given an ``is_revoked`` callback.

The proof never carries an SSN: each person is named by a subject reference
(shared/subject_refs.py).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared import jws
from shared.errors import ServiceError
from shared.files import create_once
from shared.jws import key_id
from shared.signing_keys import (
    ensure_key_pair,
    generate_subject_key,
    load_private_key,
    load_public_keys,
    load_subject_key,
)
from shared.subject_refs import subject_reference

TOKEN_TYPE = "elig-consent+jws"
# Version 2 binds a proof to one audience, case, tax years and nonce; version 1
# proofs (good for any case, for as long as the consent) are no longer accepted.
CLAIMS_VERSION = 2
# Clocks of issuer and agency may disagree a little about when a proof was issued.
DEFAULT_LEEWAY = dt.timedelta(seconds=60)
# Long enough for one call and its retries, short enough that a proof is useless soon.
MAX_PROOF_LIFETIME = dt.timedelta(seconds=60)
NONCE_BYTES = 16

SIGNATURE_INVALID = "CONSENT_SIGNATURE_INVALID"
EXPIRED = "CONSENT_EXPIRED"
NOT_YET_VALID = "CONSENT_NOT_YET_VALID"
REVOKED = "CONSENT_REVOKED"
WRONG_PURPOSE = "CONSENT_WRONG_PURPOSE"
WRONG_SUBJECT = "CONSENT_WRONG_SUBJECT"
OUT_OF_SCOPE = "CONSENT_OUT_OF_SCOPE"
MALFORMED = "CONSENT_MALFORMED"
LIFETIME_TOO_LONG = "CONSENT_LIFETIME_TOO_LONG"
WRONG_AUDIENCE = "CONSENT_WRONG_AUDIENCE"
WRONG_CASE = "CONSENT_WRONG_CASE"
WRONG_TAX_YEAR = "CONSENT_WRONG_TAX_YEAR"
# Refused by the agency's own nonce store, not by this module.
REPLAYED = "CONSENT_REPLAYED"


class ConsentError(Exception):
    """A proof that does not allow the release asked for, with a stable reason code."""

    def __init__(self, reason_code: str, message: str, consent_id: str | None = None) -> None:
        super().__init__(f"{reason_code}: {message}")
        self.reason_code = reason_code
        self.message = message
        self.consent_id = consent_id

    def to_service_error(self) -> ServiceError:
        """PERMISSION_DENIED with the reason code in ErrorInfo: no consent, no data."""
        metadata = {"consent_id": self.consent_id} if self.consent_id else {}
        return ServiceError(
            grpc.StatusCode.PERMISSION_DENIED, self.reason_code, self.message, metadata=metadata
        )


@dataclass(frozen=True)
class ConsentClaims:
    consent_ids: frozenset[str]
    issuer: str
    key_id: str
    audience: str
    case_id: str
    tax_years: frozenset[int]
    nonce: str
    subject_refs: frozenset[str]
    purpose: str
    facts: frozenset[str]
    issued_at: dt.datetime
    expires_at: dt.datetime

    @property
    def consent_id(self) -> str:
        """The consents behind the proof, as one stable string for logs and audit details."""
        return ",".join(sorted(self.consent_ids))


class ConsentSigner:
    """Issues proofs; held by the orchestrator only."""

    def __init__(
        self, private_key: Ed25519PrivateKey, subject_key: bytes, issuer: str = "orchestrator"
    ) -> None:
        self._key = private_key
        self._subject_key = subject_key
        self._issuer = issuer

    def issue(
        self,
        *,
        consent_ids: Iterable[str],
        ssns: Sequence[str],
        purpose: str,
        facts: Iterable[str],
        audience: str,
        case_id: str,
        tax_years: Iterable[int],
        issued_at: dt.datetime,
        expires_at: dt.datetime,
    ) -> str:
        """A proof, for one request to ``audience`` about ``case_id`` and ``tax_years``, that
        the people with ``ssns`` consented (under ``consent_ids``) to this purpose and scope."""
        cids, facts = sorted(set(consent_ids)), sorted(set(facts))
        years = sorted(set(tax_years))
        if not (cids and ssns and purpose and facts and audience and case_id and years):
            raise ValueError(
                "consent_ids, ssns, purpose, facts, audience, case_id and tax_years "
                "are all required"
            )
        lifetime = _epoch(expires_at) - _epoch(issued_at)
        if lifetime <= 0:
            raise ValueError("a consent proof must expire after it is issued")
        if lifetime > MAX_PROOF_LIFETIME.total_seconds():
            raise ValueError(f"a consent proof lives at most {MAX_PROOF_LIFETIME}")
        claims = {
            "ver": CLAIMS_VERSION,
            "iss": self._issuer,
            "aud": audience,
            "cid": cids,
            "case": case_id,
            "years": years,
            "jti": jws.b64encode(secrets.token_bytes(NONCE_BYTES)),
            "sub": sorted({subject_reference(self._subject_key, s) for s in ssns}),
            "pur": purpose,
            "facts": facts,
            "iat": _epoch(issued_at),
            "exp": _epoch(expires_at),
        }
        return jws.sign(self._key, TOKEN_TYPE, claims)


class ConsentVerifier:
    """Checks proofs with public keys only; held by each agency that releases data."""

    def __init__(
        self,
        public_keys: Mapping[str, Ed25519PublicKey] | Iterable[Ed25519PublicKey],
        subject_key: bytes,
        *,
        is_revoked: Callable[[str], bool] | None = None,
        leeway: dt.timedelta = DEFAULT_LEEWAY,
    ) -> None:
        if isinstance(public_keys, Mapping):
            self._keys = dict(public_keys)
        else:
            self._keys = {key_id(k): k for k in public_keys}
        if not self._keys:
            raise ValueError("a verifier needs at least one trusted public key")
        self._subject_key = subject_key
        self._is_revoked = is_revoked
        self._leeway = leeway

    def verify(
        self,
        token: str,
        *,
        ssn: str | Iterable[str],
        purpose: str,
        agency: str,
        fact: str | Iterable[str],
        case_id: str,
        tax_year: int,
        now: dt.datetime,
    ) -> ConsentClaims:
        """The claims, when the proof allows ``agency`` to release ``fact`` about ``ssn``
        (every one, when several are given) for ``purpose``, in ``case_id`` for
        ``tax_year``, at ``now``; else ConsentError. Whether its nonce was seen before
        is for the caller to check."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        claims = self._authenticated_claims(token)
        cid = claims.consent_id
        if claims.expires_at - claims.issued_at > MAX_PROOF_LIFETIME:
            raise ConsentError(
                LIFETIME_TOO_LONG,
                f"a consent proof may live {int(MAX_PROOF_LIFETIME.total_seconds())} s at most",
                cid,
            )
        if self._is_revoked is not None and any(map(self._is_revoked, claims.consent_ids)):
            raise ConsentError(REVOKED, "the person has withdrawn this consent", cid)
        if claims.audience != agency:
            raise ConsentError(
                WRONG_AUDIENCE, f"the proof is for {claims.audience!r}, not {agency!r}", cid
            )
        if now + self._leeway < claims.issued_at:
            raise ConsentError(NOT_YET_VALID, "the consent is dated in the future", cid)
        if now >= claims.expires_at:
            raise ConsentError(
                EXPIRED, f"the consent expired at {claims.expires_at.isoformat()}", cid
            )
        if case_id != claims.case_id:
            raise ConsentError(WRONG_CASE, "the proof was issued for another case", cid)
        if tax_year not in claims.tax_years:
            raise ConsentError(WRONG_TAX_YEAR, f"the proof does not cover tax year {tax_year}", cid)
        wanted_ssns = [ssn] if isinstance(ssn, str) else list(ssn)
        if not wanted_ssns or any(
            subject_reference(self._subject_key, s) not in claims.subject_refs for s in wanted_ssns
        ):
            raise ConsentError(WRONG_SUBJECT, "the consent was not given by this person", cid)
        if purpose != claims.purpose:
            raise ConsentError(
                WRONG_PURPOSE, f"the consent covers {claims.purpose!r}, not {purpose!r}", cid
            )
        wanted_facts = {fact} if isinstance(fact, str) else set(fact)
        missing = sorted(wanted_facts - claims.facts)
        if not wanted_facts or missing:
            raise ConsentError(
                OUT_OF_SCOPE, f"the consent does not cover {', '.join(missing) or 'no fact'}", cid
            )
        return claims

    def _authenticated_claims(self, token: str) -> ConsentClaims:
        try:
            kid, claims = jws.verify(token, TOKEN_TYPE, self._keys)
        except jws.JwsError as error:
            reason = MALFORMED if error.malformed else SIGNATURE_INVALID
            raise ConsentError(reason, str(error).replace("token", "proof")) from error
        return _claims(claims, kid)


def _claims(raw: dict[str, Any], kid: str) -> ConsentClaims:
    def strings(name: str) -> frozenset[str]:
        value = raw.get(name)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v for v in value)
        ):
            raise ConsentError(MALFORMED, f"claim {name!r} must be a list of strings")
        return frozenset(value)

    def text(name: str) -> str:
        value = raw.get(name)
        if not isinstance(value, str) or not value:
            raise ConsentError(MALFORMED, f"claim {name!r} must be a non-empty string")
        return value

    def integer(value: object, name: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConsentError(MALFORMED, f"claim {name!r} must hold whole numbers")
        return value

    def integers(name: str) -> frozenset[int]:
        value = raw.get(name)
        if not isinstance(value, list) or not value:
            raise ConsentError(MALFORMED, f"claim {name!r} must be a list of whole numbers")
        return frozenset(integer(v, name) for v in value)

    def instant(name: str) -> dt.datetime:
        seconds = integer(raw.get(name), name)
        try:
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise ConsentError(MALFORMED, f"claim {name!r} is out of range") from error

    if raw.get("ver") != CLAIMS_VERSION:
        raise ConsentError(MALFORMED, "unsupported consent proof version")
    return ConsentClaims(
        consent_ids=strings("cid"),
        issuer=text("iss"),
        key_id=kid,
        audience=text("aud"),
        case_id=text("case"),
        tax_years=integers("years"),
        nonce=text("jti"),
        subject_refs=strings("sub"),
        purpose=text("pur"),
        facts=strings("facts"),
        issued_at=instant("iat"),
        expires_at=instant("exp"),
    )


def _epoch(value: dt.datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("consent times must be timezone-aware")
    return int(value.timestamp())


@dataclass(frozen=True)
class LocalConsentKeys:
    """The local stack's consent keys, under ``<data_dir>/keys``.

    In a deployment the private key lives with the orchestrator alone and agencies
    receive only the public key; on a laptop every process reads the one folder.
    """

    private_key_path: Path
    public_key_path: Path
    subject_key_path: Path

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> LocalConsentKeys:
        folder = Path(data_dir) / "keys"
        return cls(
            folder / "consent-signing.pem",
            folder / "consent-signing.pub.pem",
            folder / "subject.key",
        )

    def ensure(self) -> LocalConsentKeys:
        """Create whichever keys are missing; safe when several processes race to do it."""
        ensure_key_pair(self.private_key_path, self.public_key_path)
        if not self.subject_key_path.exists():
            create_once(self.subject_key_path, generate_subject_key().hex().encode(), 0o600)
        return self

    def subject_key(self) -> bytes:
        return load_subject_key(self.subject_key_path)

    def signer(self, issuer: str = "orchestrator") -> ConsentSigner:
        return ConsentSigner(load_private_key(self.private_key_path), self.subject_key(), issuer)

    def verifier(self, is_revoked: Callable[[str], bool] | None = None) -> ConsentVerifier:
        return ConsentVerifier(
            load_public_keys([self.public_key_path]), self.subject_key(), is_revoked=is_revoked
        )


def ensure_local_keys(data_dir: Path) -> LocalConsentKeys:
    return LocalConsentKeys.in_data_dir(data_dir).ensure()
