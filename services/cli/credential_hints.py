"""What to do when the stack does not accept elig's credentials.

elig signs a new token for each command with the keys in its data folder and presents the
certificates there, so a refusal almost always means one of two things: the clocks of this
computer and the stack disagree, or elig is reading another stack's folder. The server's
own words ("sign in again", "TLS handshake failed") do not say which, or what to type.
"""

from __future__ import annotations

from pathlib import Path

import grpc

from services.cli.tool_identity import TOKEN_LIFETIME as TOOL_TOKEN_LIFETIME
from shared.caseworker_token import LEEWAY
from shared.errors import ErrorDetails

CLOCK_REASONS = {"TOKEN_EXPIRED", "TOKEN_NOT_YET_VALID"}
# Signed with, or bound to, credentials the stack did not make.
FOLDER_REASONS = {"TOKEN_INVALID", "TOKEN_NOT_BOUND", "TOKEN_WRONG_TOOL"}


def handshake_failed(details: ErrorDetails) -> bool:
    text = details.message.lower()
    return details.code == grpc.StatusCode.UNAVAILABLE and (
        "handshake" in text or "certificate" in text or "ssl" in text
    )


def hint(details: ErrorDetails, data_dir: Path, address: str | None) -> str | None:
    """One line saying what to change, or None when the refusal is not about credentials."""
    if details.code == grpc.StatusCode.UNAUTHENTICATED and details.reason == "TOKEN_NOT_YET_VALID":
        return (
            "elig dated its token by this computer's clock, which is ahead of the stack's by"
            f" more than {int(LEEWAY.total_seconds())} s: set the clocks right"
        )
    if details.code == grpc.StatusCode.UNAUTHENTICATED and details.reason in CLOCK_REASONS:
        return (
            f"elig signs a new {int(TOOL_TOKEN_LIFETIME.total_seconds()) // 60}-minute token for"
            " each command by this computer's clock; the stack's clock is behind by more than"
            " that: set the clocks right"
        )
    if details.code == grpc.StatusCode.UNAUTHENTICATED and details.reason in FOLDER_REASONS:
        return (
            f"elig signed its token with the keys in {Path(data_dir) / 'keys'}, and the stack"
            " trusts those of the folder it was started with: give that folder as --data-dir"
            " (or ELIG_DATA_DIR)"
        )
    if handshake_failed(details):
        where = f" at {address}" if address else ""
        if "wrong_version_number" in details.message.lower():
            # What OpenSSL says when the other end answers a TLS hello in plain bytes.
            return (
                f"the stack{where} does not speak TLS (started with --tls-mode plaintext):"
                " give elig --tls-mode plaintext too (or ELIG_TLS_MODE=plaintext)"
            )
        return (
            f"the stack{where} did not accept the certificates in {Path(data_dir) / 'certs'}:"
            " give the --data-dir the stack was started with (or ELIG_DATA_DIR)"
        )
    return None
