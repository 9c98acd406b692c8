"""The console's calls to the orchestrator: over one channel that presents the console's
own certificate, each call carrying a short token for the caseworker signed in.

In development the local issuer (the stack's data folder) mints the token, bound to the
console's certificate, so it is worthless on any other connection. A deployment would
take the token from its identity provider instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc

from eligibility.orchestrator.v1 import coordination_pb2_grpc as pb_grpc
from services.console.settings import ConsoleSettings
from shared.caseworker_token import LocalTokenKeys
from shared.channels import open_tool_channel, tool_metadata
from shared.tls import CASEWORKER_CONSOLE, PLAINTEXT, DevCertificates, TlsFiles

IDENTITY = CASEWORKER_CONSOLE
# Each call gets its own token, so a short life costs nothing.
TOKEN_LIFETIME = dt.timedelta(minutes=5)


class Orchestrator:
    def __init__(self, settings: ConsoleSettings) -> None:
        self.settings = settings
        self._channel: grpc.aio.Channel | None = None

    @property
    def target(self) -> str:
        return self.settings.orchestrator_target

    def _files(self) -> TlsFiles:
        return DevCertificates.in_data_dir(self.settings.data_dir).files(IDENTITY)

    def ensure_credentials(self) -> None:
        """Make the console's own certificate on a laptop where it has none yet. A deployed
        console is handed its pair and the CA's certificate, read-only and without the CA's
        key, so it must not try to issue anything when they are there."""
        files = self._files()
        if not (files.ca.is_file() and files.cert.is_file() and files.key.is_file()):
            DevCertificates.in_data_dir(self.settings.data_dir).ensure([IDENTITY])

    def _tls(self) -> TlsFiles | None:
        return None if self.settings.tls_mode == PLAINTEXT else self._files()

    def stub(self) -> pb_grpc.CoordinationServiceStub:
        if self._channel is None:
            self._channel = open_tool_channel(self.target, self._tls())
        return pb_grpc.CoordinationServiceStub(self._channel)

    def metadata(self, caseworker: str, role: str) -> list[tuple[str, str]]:
        issuer = LocalTokenKeys.in_data_dir(self.settings.data_dir).issuer()
        token = issuer.issue(
            caseworker,
            role,
            tool=IDENTITY,
            tool_cert_pem=self._files().cert.read_bytes(),
            now=dt.datetime.now(dt.UTC),
            lifetime=TOKEN_LIFETIME,
        )
        declare = IDENTITY if self.settings.tls_mode == PLAINTEXT else None
        return tool_metadata(token, None, declare)

    async def call(
        self, rpc: str, request: Any, caseworker: str, role: str, deadline: float = 30.0
    ) -> Any:
        method = getattr(self.stub(), rpc)
        return await method(request, timeout=deadline, metadata=self.metadata(caseworker, role))

    def stream(self, rpc: str, request: Any, caseworker: str, role: str) -> Any:
        method = getattr(self.stub(), rpc)
        return method(request, metadata=self.metadata(caseworker, role))

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
