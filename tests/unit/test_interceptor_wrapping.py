"""The server interceptor wraps a method's handler once, and wraps afresh whatever handler
the server finds in its place (another interceptor may make a new one per call)."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import grpc

from shared.access import AccessPolicy
from shared.interceptors import ServerCallInterceptor
from shared.security import Trust
from shared.tls import PLAINTEXT

Details = namedtuple("Details", "method invocation_metadata")
METHOD = "/test.Service/Method"


async def _behaviour(request: Any, context: Any) -> Any:
    return request


def _interceptor() -> ServerCallInterceptor:
    return ServerCallInterceptor(Trust(PLAINTEXT).with_policy(AccessPolicy({})))


async def _found(interceptor: ServerCallInterceptor, handler: Any, method: str = METHOD) -> Any:
    async def continuation(details: Any) -> Any:
        return handler

    return await interceptor.intercept_service(continuation, Details(method, ()))


async def test_the_same_handler_is_wrapped_once_per_method() -> None:
    interceptor = _interceptor()
    handler = grpc.unary_unary_rpc_method_handler(_behaviour)
    first = await _found(interceptor, handler)
    assert first is not handler
    assert await _found(interceptor, handler) is first
    other_method = await _found(interceptor, handler, "/test.Service/Other")
    assert other_method is not first


async def test_a_new_handler_in_a_methods_place_is_wrapped_afresh() -> None:
    interceptor = _interceptor()
    first = await _found(interceptor, grpc.unary_unary_rpc_method_handler(_behaviour))
    second = await _found(interceptor, grpc.unary_unary_rpc_method_handler(_behaviour))
    assert second is not first


async def test_an_unknown_method_is_left_to_the_server() -> None:
    assert await _found(_interceptor(), None) is None
