"""Client channels: one place that says how services call each other."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import grpc

from shared.caseworker_token import AUTHORIZATION_HEADER
from shared.context import CALLER_HEADER, PURPOSE_HEADER
from shared.interceptors import CorrelationClientInterceptor, CorrelationStreamInterceptor
from shared.tls import TlsFiles

# A ping every 30 s keeps long idle streams (the SSA death feed) alive through middleboxes;
# servers must admit pings this often (shared/server.py) or they answer "too_many_pings".
KEEPALIVE_TIME_MS = 30_000

_OPTIONS = [
    ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
    ("grpc.keepalive_timeout_ms", 10_000),
    # Reconnect quickly after an agency restarts; our own retry policy bounds the total.
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2_000),
    ("grpc.enable_retries", 0),
]


def open_channel(target: str, tls: TlsFiles | None) -> grpc.aio.Channel:
    """A channel that proves this service with its certificate (``tls``) and forwards the
    correlation id; ``tls`` None is the plaintext development mode, where the caller can
    only declare its name."""
    if tls is None:
        return grpc.aio.insecure_channel(
            target,
            options=_OPTIONS,
            interceptors=[
                CorrelationClientInterceptor(declare_caller=True),
                CorrelationStreamInterceptor(declare_caller=True),
            ],
        )
    return grpc.aio.secure_channel(
        target,
        tls.channel_credentials(),
        options=_OPTIONS,
        interceptors=[CorrelationClientInterceptor(), CorrelationStreamInterceptor()],
    )


Metadata = Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]]


class _AddMetadata(
    grpc.aio.UnaryUnaryClientInterceptor,
    grpc.aio.UnaryStreamClientInterceptor,
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
):
    """Adds headers (a caseworker's token, a declared purpose) to every call: fixed ones, or
    a function's, asked on each call so a long-lived channel can carry a token renewed
    before it expires."""

    def __init__(self, metadata: Metadata) -> None:
        if callable(metadata):
            self._metadata = metadata
        else:
            fixed = tuple(metadata)
            self._metadata = lambda: fixed

    def _call(self, continuation: Any, details: Any, request: Any) -> Any:
        # Both flavours of call details are named tuples; the continuation's result is
        # the call itself (blocking) or an awaitable of it (asyncio).
        merged = [*(details.metadata or ()), *self._metadata()]
        return continuation(details._replace(metadata=merged), request)

    intercept_unary_unary = _call  # type: ignore[assignment]
    intercept_unary_stream = _call  # type: ignore[assignment]


class _AddMetadataToStreams(grpc.aio.UnaryStreamClientInterceptor):
    """The same headers on server-streaming calls: an asyncio channel files each
    interceptor under its first matching kind only, so streams need their own."""

    def __init__(self, metadata: Metadata) -> None:
        self._inner = _AddMetadata(metadata)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:  # type: ignore[override]
        return self._inner._call(continuation, details, request)


def tool_metadata(
    token: str | None = None, purpose: str | None = None, declare_as: str | None = None
) -> list[tuple[str, str]]:
    """The headers a tool sends: its person's token, its purpose, and (plaintext only) its name."""
    metadata = []
    if token:
        metadata.append((AUTHORIZATION_HEADER, f"Bearer {token}"))
    if purpose:
        metadata.append((PURPOSE_HEADER, purpose))
    if declare_as:
        metadata.append((CALLER_HEADER, declare_as))
    return metadata


def open_tool_channel(
    target: str,
    tls: TlsFiles | None,
    metadata: Metadata = (),
    options: Sequence[tuple[str, Any]] = (),
) -> grpc.aio.Channel:
    """An asyncio channel for a tool (CLI, bench, harness, test) that adds ``metadata``."""
    interceptors: list[Any] = [_AddMetadata(metadata), _AddMetadataToStreams(metadata)]
    if tls is None:
        return grpc.aio.insecure_channel(target, options=options, interceptors=interceptors)
    return grpc.aio.secure_channel(
        target, tls.channel_credentials(), options=options, interceptors=interceptors
    )


def open_tool_channel_sync(
    target: str, tls: TlsFiles | None, metadata: Metadata = ()
) -> grpc.Channel:
    """The blocking twin of ``open_tool_channel``."""
    base = (
        grpc.insecure_channel(target)
        if tls is None
        else grpc.secure_channel(target, tls.channel_credentials())
    )
    return grpc.intercept_channel(base, _AddMetadata(metadata))
