"""A tool's channel renews its caseworker token before it expires: a bench or a simulated
year that ran past the token's lifetime used to get UNAUTHENTICATED on every call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.cli import tool_identity
from services.cli.tool_identity import LocalTool
from shared.caseworker_token import AUTHORIZATION_HEADER, LocalTokenKeys
from shared.tls import MTLS, DevCertificates


def _token(headers: tuple[tuple[str, str], ...]) -> str:
    return dict(headers)[AUTHORIZATION_HEADER].removeprefix("Bearer ")


def test_the_token_is_minted_again_halfway_through_its_life(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = LocalTool(tmp_path, MTLS).ensure()
    clock = [1_000.0]
    monkeypatch.setattr(tool_identity.time, "monotonic", lambda: clock[0])
    headers = tool.renewed_metadata("cw-bench", "caseworker")
    first = _token(headers())
    half = tool_identity.TOKEN_LIFETIME.total_seconds() / 2
    clock[0] += half - 1
    assert _token(headers()) == first
    clock[0] += 2
    renewed = _token(headers())
    assert renewed != first
    verifier = LocalTokenKeys.in_data_dir(tmp_path).verifier()
    cert = DevCertificates.in_data_dir(tmp_path).files(tool.identity).cert.read_bytes()
    now = dt.datetime.now(dt.UTC)
    assert (
        verifier.verify(renewed, tool=tool.identity, tool_cert_pem=cert, now=now).id == "cw-bench"
    )


def test_a_channel_without_a_caseworker_sends_no_token(tmp_path: Path) -> None:
    tool = LocalTool(tmp_path, MTLS).ensure()
    assert AUTHORIZATION_HEADER not in dict(tool.renewed_metadata(purpose="x")())
