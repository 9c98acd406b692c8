"""The gate every call passes: who is calling (proven), and may they make this call.

In ``mtls`` mode (the default) the calling service is the common name of the client
certificate the TLS handshake verified, and a caseworker is whoever the signed token in
``authorization`` names, bound to that certificate. In ``plaintext`` mode, an explicit
development setting, nothing is proven: the caller's declared name is believed, and the
audit trail marks it ``declared:``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc

from shared.access import AccessPolicy, Refusal
from shared.caseworker_token import AUTHORIZATION_HEADER, TokenError, TokenVerifier
from shared.context import CALLER_HEADER, ON_BEHALF_HEADER, PURPOSE_HEADER, Principal
from shared.errors import ServiceError
from shared.rate_limit import RATE_LIMITED, CallLimits
from shared.tls import MTLS, PLAINTEXT, TlsFiles

DECLARED_PREFIX = "declared:"
# Callers trusted to say on whose behalf they ask (they checked that person's token).
DELEGATES = frozenset({"orchestrator"})

# Called with every refused call, to write it to the service's audit log.
RefusalSink = Callable[[Principal, str, str | None, Refusal], Awaitable[None]]


def metadata_value(metadata: Any, key: str) -> str | None:
    for item_key, value in metadata or ():
        if item_key == key:
            return value if isinstance(value, str) else value.decode(errors="replace")
    return None


class _BadToken(Exception):
    def __init__(self, who: Principal, error: TokenError) -> None:
        super().__init__(error.message)
        self.who = who
        self.error = error


@dataclass(frozen=True)
class Trust:
    """How a process proves itself and its callers: the TLS mode, its certificate files,
    the caseworker-token verifier (the orchestrator only), where refusals are audited and
    how many calls each caller may make (none: no limit)."""

    mode: str
    tls: TlsFiles | None = None
    tokens: TokenVerifier | None = None
    on_refused: RefusalSink | None = None
    limits: CallLimits | None = None

    def __post_init__(self) -> None:
        if self.mode not in (MTLS, PLAINTEXT):
            raise ValueError(f"unknown TLS mode {self.mode!r}; use {MTLS} or {PLAINTEXT}")
        if self.mode == MTLS and self.tls is None:
            raise ValueError("mutual TLS needs the service's certificate files")

    def client_tls(self) -> TlsFiles | None:
        """What this process's own outbound channels present (None in plaintext)."""
        return self.tls if self.mode == MTLS else None

    def server_credentials(self) -> grpc.ServerCredentials | None:
        return self.tls.server_credentials() if self.mode == MTLS and self.tls else None

    def with_policy(self, policy: AccessPolicy) -> Security:
        return Security(self.mode, self.tls, self.tokens, self.on_refused, self.limits, policy)


@dataclass(frozen=True)
class Security(Trust):
    """How one server proves its callers (its trust) and what it lets them do (its policy)."""

    policy: AccessPolicy = AccessPolicy({})

    def authenticate(self, context: grpc.aio.ServicerContext, metadata: Any) -> Principal:
        """The proven caller; UNAUTHENTICATED when a token is given and does not hold."""
        if self.mode == MTLS:
            auth = context.auth_context()
            names = auth.get("x509_common_name") or []
            if not names:
                raise ServiceError(
                    grpc.StatusCode.UNAUTHENTICATED,
                    "CERTIFICATE_MISSING",
                    "this service accepts only callers with a client certificate",
                )
            service = names[0].decode()
            certs = auth.get("x509_pem_cert") or []
            cert_pem = certs[0] if certs else None
            shown_as = service
        else:
            service = metadata_value(metadata, CALLER_HEADER) or "anonymous"
            cert_pem = None
            shown_as = DECLARED_PREFIX + service
        # A service that takes no caseworker tokens (an agency) decides on the certificate
        # alone; a token sent to it changes nothing.
        token = metadata_value(metadata, AUTHORIZATION_HEADER) if self.tokens else None
        if not token:
            on_behalf = metadata_value(metadata, ON_BEHALF_HEADER) if service in DELEGATES else None
            return Principal(service, (on_behalf or "")[:64] or None, None, shown_as)
        scheme, _, value = token.partition(" ")
        if scheme.lower() != "bearer" or not value:
            raise ServiceError(
                grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID", "expected 'Bearer <token>'"
            )
        try:
            person = self.tokens.verify(
                value.strip(),
                tool=service,
                tool_cert_pem=cert_pem,
                now=dt.datetime.now(dt.UTC),
                bound=self.mode == MTLS,
            )
        except TokenError as error:
            raise _BadToken(Principal(service, None, None, shown_as), error) from error
        return Principal(service, person.id, person.role, shown_as)

    async def admit(
        self, context: grpc.aio.ServicerContext, method: str, metadata: Any
    ) -> tuple[Principal, str | None]:
        """Who is calling and for which purpose, when they may make this call; every
        refusal, a bad token and a caller over its limit included, is audited before it
        is raised. The limit comes before the policy, so refused calls spend it too."""
        try:
            who = self.authenticate(context, metadata)
        except _BadToken as bad:
            over = self.over_limit(method, bad.who)
            if over is not None:
                await self._refuse_over_limit(over, method, bad.who, metadata)
            refusal = Refusal(bad.error.reason, bad.error.message, unauthenticated=True)
            if self.on_refused is not None:
                await self.on_refused(
                    bad.who, method, metadata_value(metadata, PURPOSE_HEADER), refusal
                )
            raise ServiceError(
                grpc.StatusCode.UNAUTHENTICATED, bad.error.reason, bad.error.message
            ) from bad.error
        over = self.over_limit(method, who)
        if over is not None:
            await self._refuse_over_limit(over, method, who, metadata)
        return who, await self.authorize(method, who, metadata)

    def over_limit(self, method: str, who: Principal) -> ServiceError | None:
        """Spend one of the caller's calls; the error to answer with when none is left.
        (Not a coroutine: nearly every call is let in, and one per call costs more than
        the bucket.)"""
        if self.limits is None:
            return None
        return self.limits.check(method, who, self.policy.service_callers)

    async def _refuse_over_limit(
        self, error: ServiceError, method: str, who: Principal, metadata: Any
    ) -> None:
        if self.on_refused is not None:
            refusal = Refusal(RATE_LIMITED, error.message)
            await self.on_refused(who, method, metadata_value(metadata, PURPOSE_HEADER), refusal)
        raise error

    async def authorize(self, method: str, who: Principal, metadata: Any) -> str | None:
        """The declared purpose, when ``who`` may make this call; else PERMISSION_DENIED
        (or UNAUTHENTICATED for a missing token), after the refusal is audited."""
        purpose = metadata_value(metadata, PURPOSE_HEADER)
        refusal = self.policy.decide(method, who, purpose)
        if refusal is None:
            return purpose
        if self.on_refused is not None:
            await self.on_refused(who, method, purpose, refusal)
        code = (
            grpc.StatusCode.UNAUTHENTICATED
            if refusal.unauthenticated
            else grpc.StatusCode.PERMISSION_DENIED
        )
        raise ServiceError(code, refusal.reason, refusal.message, metadata={"method": method})
