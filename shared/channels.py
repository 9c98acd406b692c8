"""Client channels: one place that says how services call each other."""

from __future__ import annotations

import grpc

from shared.interceptors import CorrelationClientInterceptor

_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    # Reconnect quickly after an agency restarts; our own retry policy bounds the total.
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2_000),
    ("grpc.enable_retries", 0),
]


def open_channel(target: str) -> grpc.aio.Channel:
    """An insecure loopback/cluster channel that forwards the correlation id."""
    return grpc.aio.insecure_channel(
        target, options=_OPTIONS, interceptors=[CorrelationClientInterceptor()]
    )
