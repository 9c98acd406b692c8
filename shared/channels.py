"""Client channels: one place that says how services call each other."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import grpc

from shared.caseworker_token import AUTHORIZATION_HEADER
from shared.context import CALLER_HEADER, PURPOSE_HEADER, forwarded_headers
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
        return _Forwarding(grpc.aio.insecure_channel(target, options=_OPTIONS), True)
    return _Forwarding(
        grpc.aio.secure_channel(target, tls.channel_credentials(), options=_OPTIONS), False
    )


class _Forwarding(grpc.aio.Channel):
    """A channel whose unary and server-streaming calls carry the headers of the call
    being served (shared/context.py), added as each call is made. A client interceptor
    would do the same at several times the cost: grpc.aio runs every intercepted call
    through a task of its own and a wrapper around the call."""

    def __init__(self, channel: grpc.aio.Channel, declare_caller: bool) -> None:
        self._channel = channel
        self._declare_caller = declare_caller

    def unary_unary(self, *args: Any, **kwargs: Any) -> Any:
        return _WithHeaders(self._channel.unary_unary(*args, **kwargs), self._declare_caller)

    def unary_stream(self, *args: Any, **kwargs: Any) -> Any:
        return _WithHeaders(self._channel.unary_stream(*args, **kwargs), self._declare_caller)

    def stream_unary(self, *args: Any, **kwargs: Any) -> Any:
        return self._channel.stream_unary(*args, **kwargs)

    def stream_stream(self, *args: Any, **kwargs: Any) -> Any:
        return self._channel.stream_stream(*args, **kwargs)

    async def __aenter__(self) -> _Forwarding:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._channel.close(None)

    async def close(self, grace: float | None = None) -> None:
        await self._channel.close(grace)

    def get_state(self, try_to_connect: bool = False) -> grpc.ChannelConnectivity:
        return self._channel.get_state(try_to_connect)

    async def wait_for_state_change(self, last_observed_state: grpc.ChannelConnectivity) -> None:
        await self._channel.wait_for_state_change(last_observed_state)

    async def channel_ready(self) -> None:
        await self._channel.channel_ready()


class _WithHeaders:
    """A method of a ``_Forwarding`` channel: the call as grpc.aio makes it, with the
    forwarded headers after the caller's own (a header the caller gave is kept)."""

    def __init__(self, method: Any, declare_caller: bool) -> None:
        self._method = method
        self._declare_caller = declare_caller

    def __call__(self, request: Any, *, metadata: Any = None, **options: Any) -> Any:
        headers = forwarded_headers(self._declare_caller)
        if metadata:
            given = list(metadata)
            present = {key for key, _ in given}
            headers = given + [header for header in headers if header[0] not in present]
        return self._method(request, metadata=headers, **options)


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
