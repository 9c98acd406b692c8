"""The local caseworker tool's credentials: its certificate, and a token for the person
at it minted by the development issuer. The CLI, the stack launcher, the bench and the
tests all call the stack through this, as a deployed tool would through its own."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from shared.caseworker_token import LocalTokenKeys
from shared.channels import open_tool_channel, open_tool_channel_sync, tool_metadata
from shared.consent import ensure_local_keys
from shared.tls import CASEWORKER_TOOL, MTLS, PLAINTEXT, DevCertificates, TlsFiles

DEFAULT_CASEWORKER = "cw-local"
DEFAULT_ROLE = "caseworker"
# Tokens are minted for this long and renewed halfway, so a channel open for hours (a
# bench, a simulated year, `elig watch`) never sends one that has expired.
TOKEN_LIFETIME = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class LocalTool:
    """The caseworker tool of the stack whose files live in ``data_dir``."""

    data_dir: Path
    mode: str = MTLS
    identity: str = CASEWORKER_TOOL

    def ensure(self) -> LocalTool:
        """Create the development CA, every certificate and every key the stack needs."""
        DevCertificates.in_data_dir(self.data_dir).ensure()
        LocalTokenKeys.in_data_dir(self.data_dir).ensure()
        ensure_local_keys(self.data_dir)
        return self

    def tls(self) -> TlsFiles | None:
        if self.mode == PLAINTEXT:
            return None
        return DevCertificates.in_data_dir(self.data_dir).files(self.identity)

    def token(self, caseworker: str, role: str, lifetime: dt.timedelta | None = None) -> str:
        tls = self.tls() or DevCertificates.in_data_dir(self.data_dir).files(self.identity)
        issuer = LocalTokenKeys.in_data_dir(self.data_dir).issuer()
        extra = {"lifetime": lifetime} if lifetime else {}
        return issuer.issue(
            caseworker,
            role,
            tool=self.identity,
            tool_cert_pem=tls.cert.read_bytes(),
            now=dt.datetime.now(dt.UTC),
            **extra,
        )

    def metadata(
        self, caseworker: str | None = None, role: str | None = None, purpose: str | None = None
    ) -> list[tuple[str, str]]:
        token = self.token(caseworker, role or DEFAULT_ROLE, TOKEN_LIFETIME) if caseworker else None
        declare = self.identity if self.mode == PLAINTEXT else None
        return tool_metadata(token, purpose, declare)

    def channel(
        self,
        target: str,
        caseworker: str | None = None,
        role: str | None = None,
        purpose: str | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> grpc.aio.Channel:
        return open_tool_channel(
            target, self.tls(), self.renewed_metadata(caseworker, role, purpose), options
        )

    def channel_sync(
        self,
        target: str,
        caseworker: str | None = None,
        role: str | None = None,
        purpose: str | None = None,
    ) -> grpc.Channel:
        return open_tool_channel_sync(
            target, self.tls(), self.renewed_metadata(caseworker, role, purpose)
        )

    def renewed_metadata(
        self, caseworker: str | None = None, role: str | None = None, purpose: str | None = None
    ) -> RenewedHeaders:
        return RenewedHeaders(self, caseworker, role, purpose)


class RenewedHeaders:
    """A tool channel's headers, asked for on every call: the token in them is minted again
    once half its lifetime has passed."""

    def __init__(
        self, tool: LocalTool, caseworker: str | None, role: str | None, purpose: str | None
    ) -> None:
        self._mint = lambda: tuple(tool.metadata(caseworker, role, purpose))
        self._headers = self._mint()
        self._renew_at = time.monotonic() + TOKEN_LIFETIME.total_seconds() / 2

    def __call__(self) -> tuple[tuple[str, str], ...]:
        if time.monotonic() >= self._renew_at:
            self._headers = self._mint()
            self._renew_at = time.monotonic() + TOKEN_LIFETIME.total_seconds() / 2
        return self._headers
