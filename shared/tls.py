"""Mutual TLS: each service and each caller tool holds a certificate from one CA, and the
name in that certificate is who it is.

A deployment provisions the files as secrets (``deploy/``). On a laptop
``DevCertificates.ensure()`` creates a development CA and one certificate per
identity under ``<data_dir>/certs``; the CA's private key stays in that folder and
signs nothing else. ECDSA P-256 keys, because every TLS stack gRPC may be built on
takes them.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from shared.files import create_once

# Every identity the local stack issues a certificate for: the five services, the
# caseworker tool (the CLI, the bench and test harnesses run as it), the browser console
# (which calls the orchestrator as itself, so its tokens are bound to its own certificate)
# and vital records (a state's death registration system, the one caller that reports
# deaths to SSA).
SERVICE_IDENTITIES = ("orchestrator", "treasury", "ssa", "hhs", "usda")
CASEWORKER_TOOL = "caseworker-tool"
CASEWORKER_CONSOLE = "caseworker-console"
VITAL_RECORDS = "vital-records"
LOCAL_IDENTITIES = (*SERVICE_IDENTITIES, CASEWORKER_TOOL, CASEWORKER_CONSOLE, VITAL_RECORDS)

MTLS = "mtls"
PLAINTEXT = "plaintext"
MODES = (MTLS, PLAINTEXT)

_CA_NAME = "eligibility-coordination development CA"
_VALIDITY = dt.timedelta(days=365)


@dataclass(frozen=True)
class TlsFiles:
    """One identity's PEM files and the CA bundle it trusts."""

    ca: Path
    cert: Path
    key: Path

    def read(self) -> tuple[bytes, bytes, bytes]:
        return self.ca.read_bytes(), self.cert.read_bytes(), self.key.read_bytes()

    def server_credentials(self) -> grpc.ServerCredentials:
        """Serve with this identity and accept only callers whose certificates the CA signed."""
        ca, cert, key = self.read()
        return grpc.ssl_server_credentials(
            [(key, cert)], root_certificates=ca, require_client_auth=True
        )

    def channel_credentials(self) -> grpc.ChannelCredentials:
        ca, cert, key = self.read()
        return grpc.ssl_channel_credentials(
            root_certificates=ca, private_key=key, certificate_chain=cert
        )


@dataclass(frozen=True)
class DevCertificates:
    """The development CA and the local identities' certificates in one folder."""

    folder: Path

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> DevCertificates:
        return cls(Path(data_dir) / "certs")

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key"

    def files(self, identity: str) -> TlsFiles:
        return TlsFiles(
            self.ca_cert, self.folder / f"{identity}.pem", self.folder / f"{identity}.key"
        )

    def ensure(self, identities: Iterable[str] = LOCAL_IDENTITIES) -> DevCertificates:
        """Create the CA and whichever certificates are missing; safe to run concurrently."""
        if not self.ca_cert.exists():
            key = ec.generate_private_key(ec.SECP256R1())
            create_once(self.ca_key, _key_pem(key), 0o600)
            key = _load_key(self.ca_key)  # another process may have won the race
            create_once(
                self.ca_cert, _ca_certificate(key).public_bytes(serialization.Encoding.PEM), 0o644
            )
        ca_key = _load_key(self.ca_key)
        ca_cert = x509.load_pem_x509_certificate(self.ca_cert.read_bytes())
        for identity in identities:
            files = self.files(identity)
            if files.cert.exists() and files.key.exists():
                continue
            key = ec.generate_private_key(ec.SECP256R1())
            create_once(files.key, _key_pem(key), 0o600)
            key = _load_key(files.key)
            cert = _leaf_certificate(identity, key, ca_key, ca_cert)
            create_once(files.cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)
        return self


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} does not hold an EC private key")
    return key


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "eligibility-coordination (synthetic)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    now = _now()
    return (
        x509.CertificateBuilder()
        .subject_name(_name(_CA_NAME))
        .issuer_name(_name(_CA_NAME))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )


def _leaf_certificate(
    identity: str,
    key: ec.EllipticCurvePrivateKey,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
) -> x509.Certificate:
    """The identity is the common name and a DNS name; loopback names let the local stack
    and the tests reach each other by address."""
    now = _now()
    names: list[x509.GeneralName] = [
        x509.DNSName(identity),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    return (
        x509.CertificateBuilder()
        .subject_name(_name(identity))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
