"""Which line elig adds to a refused connection, from the words gRPC and OpenSSL use."""

from __future__ import annotations

from pathlib import Path

import grpc

from services.cli.credential_hints import hint
from shared.errors import ErrorDetails

# As grpc reports a TLS hello answered by a plaintext server (seen against `elig
# --tls-mode plaintext up`).
PLAINTEXT_SERVER = (
    "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:36043: Tls"
    " handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: error:100000f7:SSL"
    " routines:OPENSSL_internal:WRONG_VERSION_NUMBER: Invalid certificate verification"
    " context: OK"
)


def _unavailable(message: str) -> ErrorDetails:
    return ErrorDetails(grpc.StatusCode.UNAVAILABLE, message, None, [], None)


def test_a_plaintext_stack_is_told_apart_from_another_stacks_certificates() -> None:
    said = hint(_unavailable(PLAINTEXT_SERVER), Path("data"), "127.0.0.1:36043")
    assert said is not None and "does not speak TLS" in said and "--tls-mode plaintext" in said
    other = PLAINTEXT_SERVER.replace("WRONG_VERSION_NUMBER", "CERTIFICATE_VERIFY_FAILED")
    said = hint(_unavailable(other), Path("data"), "127.0.0.1:36043")
    assert said is not None and "did not accept the certificates in data/certs" in said


def test_a_refused_connection_gets_no_credentials_hint() -> None:
    refused = "failed to connect to all addresses; last error: UNKNOWN: Connection refused"
    assert hint(_unavailable(refused), Path("data"), "127.0.0.1:1") is None


def _refused(reason: str) -> ErrorDetails:
    return ErrorDetails(grpc.StatusCode.UNAUTHENTICATED, "refused", reason, [], None)


def test_each_clock_refusal_names_its_own_margin() -> None:
    """A token from the future is refused past a minute's leeway, an expired one past its
    fifteen minutes: the hint gives the margin that was crossed."""
    ahead = hint(_refused("TOKEN_NOT_YET_VALID"), Path("data"), None)
    assert ahead is not None and "ahead of the stack's by more than 60 s" in ahead
    behind = hint(_refused("TOKEN_EXPIRED"), Path("data"), None)
    assert behind is not None and "15-minute token" in behind and "behind" in behind
