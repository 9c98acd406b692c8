"""Compact JWS (RFC 7515) signed with Ed25519 ("EdDSA", RFC 8037): the one signing format
the stack's short-lived credentials use, so stock JOSE tools can read any of them.

Strict on purpose: one algorithm, an expected ``typ``, a ``kid`` naming a trusted key,
canonical base64url, and claims that must be a JSON object.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class JwsError(Exception):
    """A token that is not one this service accepts; ``malformed`` tells a garbled token
    from a well-formed one whose signature does not hold."""

    def __init__(self, message: str, *, malformed: bool) -> None:
        super().__init__(message)
        self.malformed = malformed


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key, so keys can be rotated side by side."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(private_key: Ed25519PrivateKey, typ: str, claims: Mapping[str, Any]) -> str:
    header = b64json({"alg": "EdDSA", "kid": key_id(private_key.public_key()), "typ": typ})
    signing_input = f"{header}.{b64json(dict(claims))}"
    return f"{signing_input}.{b64encode(private_key.sign(signing_input.encode('ascii')))}"


def verify(
    token: str, typ: str, keys: Mapping[str, Ed25519PublicKey]
) -> tuple[str, dict[str, Any]]:
    """(key id, claims) of a token of type ``typ`` signed by one of ``keys``; else JwsError."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise JwsError("a token has three dot-separated parts", malformed=True)
    header_b64, claims_b64, signature_b64 = parts
    header = json_object(header_b64)
    if header.get("alg") != "EdDSA" or header.get("typ") != typ:
        raise JwsError("not a token of a kind this service accepts", malformed=True)
    kid = str(header.get("kid"))
    public_key = keys.get(kid)
    if public_key is None:
        raise JwsError("the token is signed by an unknown key", malformed=False)
    try:
        public_key.verify(b64decode(signature_b64), f"{header_b64}.{claims_b64}".encode("ascii"))
    except (InvalidSignature, JwsError, UnicodeEncodeError) as error:
        raise JwsError("the token's signature does not hold", malformed=False) from error
    return kid, json_object(claims_b64)


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """Strict base64url without padding: any other spelling of the same bytes is refused."""
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as error:
        raise JwsError("a part of the token is not base64url", malformed=True) from error
    if b64encode(data) != text:
        raise JwsError("a part of the token is not canonical base64url", malformed=True)
    return data


def b64json(value: dict[str, Any]) -> str:
    return b64encode(json.dumps(value, sort_keys=True, separators=(",", ":")).encode())


def json_object(part: str) -> dict[str, Any]:
    try:
        value = json.loads(b64decode(part))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise JwsError("a part of the token is not JSON", malformed=True) from error
    if not isinstance(value, dict):
        raise JwsError("a part of the token is not a JSON object", malformed=True)
    return value
