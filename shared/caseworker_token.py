"""Who is at a caseworker tool, and in which role: a short-lived signed token.

The certificate proves which tool is calling; it cannot say which person sits at it.
An identity provider (in development, ``elig`` itself with a local issuer key) signs a
token naming the caseworker and their role, bound to the tool's certificate (RFC 8705
``cnf`` with the certificate's SHA-256 thumbprint) so a token lifted from one
connection is useless on a connection made with any other certificate.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared import jws
from shared.signing_keys import (
    ensure_key_pair,
    load_private_key,
    load_public_keys,
)

TOKEN_TYPE = "elig-caseworker+jws"
AUTHORIZATION_HEADER = "authorization"
AUDIENCE = "orchestrator"
ROLES = ("caseworker", "supervisor", "auditor")
MAX_LIFETIME = dt.timedelta(hours=12)  # one shift
LEEWAY = dt.timedelta(seconds=60)
_ID_LIMIT = 64
_CASEWORKER_ID = re.compile(rf"[A-Za-z0-9._@+-]{{1,{_ID_LIMIT}}}")
CASEWORKER_ID_RULE = f"a caseworker id is 1 to {_ID_LIMIT} letters, digits or . _ @ + -"
# Signatures already checked, by token: a tool sends one token on every call of a shift.
_CHECKED_TOKENS = 1024


class TokenError(Exception):
    """Why a token was refused, with a stable reason for ErrorInfo."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Caseworker:
    id: str
    role: str


@functools.lru_cache(maxsize=256)
def certificate_thumbprint(cert_pem: bytes) -> str:
    """base64url SHA-256 of the certificate's DER form (RFC 8705 x5t#S256). Cached: a
    connection presents the same certificate on every call, and the answer depends on
    its bytes alone."""
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    return jws.b64encode(hashlib.sha256(der).digest())


class TokenIssuer:
    """Signs caseworker tokens; held by the identity provider only."""

    def __init__(self, private_key: Ed25519PrivateKey, issuer: str = "elig-local-issuer") -> None:
        self._key = private_key
        self._issuer = issuer

    def issue(
        self,
        caseworker: str,
        role: str,
        *,
        tool: str,
        tool_cert_pem: bytes,
        now: dt.datetime,
        lifetime: dt.timedelta = dt.timedelta(minutes=15),
    ) -> str:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if not is_caseworker_id(caseworker):
            raise ValueError(CASEWORKER_ID_RULE)
        if not timedelta_within(lifetime):
            raise ValueError(f"a token lives at most {MAX_LIFETIME}")
        claims = {
            "ver": 1,
            "iss": self._issuer,
            "aud": AUDIENCE,
            "sub": caseworker,
            "role": role,
            "azp": tool,
            "cnf": {"x5t#S256": certificate_thumbprint(tool_cert_pem)},
            "iat": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
            "jti": secrets.token_hex(8),
        }
        return jws.sign(self._key, TOKEN_TYPE, claims)


def timedelta_within(lifetime: dt.timedelta) -> bool:
    return dt.timedelta(0) < lifetime <= MAX_LIFETIME


class TokenVerifier:
    """Checks caseworker tokens with public keys only; held by the orchestrator."""

    def __init__(self, public_keys: Mapping[str, Ed25519PublicKey]) -> None:
        if not public_keys:
            raise ValueError("a token verifier needs at least one trusted public key")
        self._keys = dict(public_keys)
        # token -> its claims, for tokens whose signature held. Only the signature check
        # is spared on a repeat: the claims (expiry, audience, binding) are checked anew
        # at every call, against that call's time and certificate.
        self._checked: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def _claims(self, token: str) -> dict[str, Any]:
        claims = self._checked.get(token)
        if claims is not None:
            self._checked.move_to_end(token)
            return claims
        try:
            _, claims = jws.verify(token, TOKEN_TYPE, self._keys)
        except jws.JwsError as error:
            raise TokenError("TOKEN_INVALID", str(error)) from error
        self._checked[token] = claims
        if len(self._checked) > _CHECKED_TOKENS:
            self._checked.popitem(last=False)
        return claims

    def verify(
        self,
        token: str,
        *,
        tool: str,
        tool_cert_pem: bytes | None,
        now: dt.datetime,
        bound: bool = True,
    ) -> Caseworker:
        """The caseworker the token names; ``bound`` False only where no certificate is
        presented at all (the plaintext development mode)."""
        claims = self._claims(token)
        sub, role = claims.get("sub"), claims.get("role")
        version = claims.get("ver")
        if not (_is_int(version) and version == 1) or not is_caseworker_id(sub):
            raise TokenError("TOKEN_INVALID", "the token does not name a caseworker")
        if role not in ROLES:
            raise TokenError("TOKEN_INVALID", "the token names no known role")
        if claims.get("aud") != AUDIENCE:
            raise TokenError("TOKEN_WRONG_AUDIENCE", "the token is not meant for this service")
        if claims.get("azp") != tool:
            raise TokenError("TOKEN_WRONG_TOOL", "the token was issued to another tool")
        issued, expires = claims.get("iat"), claims.get("exp")
        if not (_is_int(issued) and _is_int(expires)):
            raise TokenError("TOKEN_INVALID", "the token's times are not seconds since the epoch")
        stamp = now.timestamp()
        if expires - issued > MAX_LIFETIME.total_seconds():
            raise TokenError("TOKEN_LIFETIME_TOO_LONG", "the token lives longer than a shift")
        if stamp + LEEWAY.total_seconds() < issued:
            raise TokenError("TOKEN_NOT_YET_VALID", "the token is dated in the future")
        if stamp >= expires:
            raise TokenError("TOKEN_EXPIRED", "the token has expired; sign in again")
        binding = claims.get("cnf")
        thumbprint = certificate_thumbprint(tool_cert_pem) if tool_cert_pem else None
        if bound and (not isinstance(binding, dict) or binding.get("x5t#S256") != thumbprint):
            raise TokenError(
                "TOKEN_NOT_BOUND",
                "the token is bound to another certificate than this connection's",
            )
        return Caseworker(sub, role)


def is_caseworker_id(value: object) -> bool:
    """1 to 64 of ASCII letters, digits and ``. _ @ + -``: what identity providers issue as
    subjects (employee numbers, e-mail addresses, UUIDs). It is written into audit entries
    as given, so no spaces and no other scripts, whose look-alikes ("cw-alice" with a
    Cyrillic "а") would be two people who read the same in a disclosure report."""
    return isinstance(value, str) and _CASEWORKER_ID.fullmatch(value) is not None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class LocalTokenKeys:
    """The development token issuer's keys, beside the consent keys in ``<data_dir>/keys``."""

    private_key_path: Path
    public_key_path: Path

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> LocalTokenKeys:
        folder = Path(data_dir) / "keys"
        return cls(folder / "token-signing.pem", folder / "token-signing.pub.pem")

    def ensure(self) -> LocalTokenKeys:
        ensure_key_pair(self.private_key_path, self.public_key_path)
        return self

    def issuer(self) -> TokenIssuer:
        return TokenIssuer(load_private_key(self.private_key_path))

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(load_public_keys([self.public_key_path]))
