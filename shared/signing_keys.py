"""Ed25519 signing keys and the subject key on disk, for whichever issuer holds them
(consent proofs, caseworker tokens). PEM (PKCS#8 / SubjectPublicKeyInfo) so openssl
can inspect them; the subject key as hex."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.files import create_once
from shared.jws import key_id
from shared.subject_refs import MIN_SUBJECT_KEY_BYTES


def generate_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def generate_subject_key() -> bytes:
    return secrets.token_bytes(MIN_SUBJECT_KEY_BYTES)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} does not hold an Ed25519 public key")
    return key


def load_public_keys(paths: Iterable[Path]) -> dict[str, Ed25519PublicKey]:
    """Trusted keys by key id: more than one while a signing key is being rotated."""
    keys = [load_public_key(p) for p in paths]
    return {key_id(k): k for k in keys}


def load_subject_key(path: Path) -> bytes:
    key = bytes.fromhex(Path(path).read_text(encoding="ascii").strip())
    if len(key) < MIN_SUBJECT_KEY_BYTES:
        raise ValueError(f"{path} holds fewer than {MIN_SUBJECT_KEY_BYTES} key bytes")
    return key


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def ensure_key_pair(private_path: Path, public_path: Path) -> None:
    """Create a signing key and its public key where missing; safe when several processes
    race to do it (each file is written whole, once)."""
    if not private_path.exists():
        create_once(private_path, private_key_pem(generate_signing_key()), 0o600)
    if not public_path.exists():
        public = load_private_key(private_path).public_key()
        create_once(public_path, public_key_pem(public), 0o644)
