"""The server interceptor: who is calling and may they, the correlation id taken from the
caller, one access-log line per call, and the single place where errors become gRPC
statuses. Calls out carry the correlation id on (shared/channels.py)."""

from __future__ import annotations

import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import structlog

from shared import context as ctx
from shared import decoding
from shared.context import CORRELATION_HEADER, new_correlation_id
from shared.errors import ServiceError, to_status
from shared.security import Security, metadata_value

log = structlog.get_logger("grpc")

_CORRELATION_LIMIT = 64


class ServerCallInterceptor(grpc.aio.ServerInterceptor):
    """Proves the caller and applies the access policy before any servicer code runs,
    binds the correlation id, logs one line per call and maps errors."""

    def __init__(self, security: Security) -> None:
        self._security = security
        # By method: the handler the server found and our wrapping of it. A server's
        # handlers are fixed once it starts, so each method is wrapped once, not per call;
        # a handler that differs from the one remembered (another interceptor that makes
        # one per call) is wrapped afresh.
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        known = self._wrapped.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        wrapped = self._wrap(method, handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(method, handler.unary_unary),
                request_deserializer=decoding.tolerant(handler.request_deserializer, method),
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            stream = handler.unary_stream
            # A stream that writes through context.write (grpc's own Health/Watch) is a
            # coroutine, not an async generator: iterating it failed every such call with
            # INTERNAL. It is awaited as a unary handler is; grpc serves it the same way.
            wrapped = (
                self._unary(method, stream)
                if inspect.iscoroutinefunction(stream)
                else self._stream(method, stream)
            )
            return grpc.unary_stream_rpc_method_handler(
                wrapped,
                request_deserializer=decoding.tolerant(handler.request_deserializer, method),
                response_serializer=handler.response_serializer,
            )
        if method.strip("/").split("/", 1)[0] in _OPEN_STREAMING:
            return handler  # reflection: open to every authenticated caller, holds no data
        return grpc.unary_unary_rpc_method_handler(_refuse_streaming)

    def _unary(self, method: str, behavior: Any) -> Any:
        security = self._security

        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            call = _Call(method, context)
            try:
                await call.admit(security)
                # Checked after the gate, so an unproven caller learns nothing about the
                # request's shape.
                decoding.raise_if_refused(request)
                return await behavior(request, context)
            except Exception as error:  # noqa: BLE001 - every failure is mapped in fail()
                await call.fail(error)
            finally:
                call.close()

        return wrapped

    def _stream(self, method: str, behavior: Any) -> Any:
        security = self._security

        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            call = _Call(method, context)
            try:
                try:
                    await call.admit(security)
                    decoding.raise_if_refused(request)
                except Exception as error:  # noqa: BLE001 - mapped in fail()
                    await call.fail(error)
                    return
                try:
                    async for item in behavior(request, context):
                        yield item
                except Exception as error:  # noqa: BLE001 - mapped like a unary error
                    await call.fail(error)
            finally:
                call.close()

        return wrapped


_OPEN_STREAMING = (
    "grpc.reflection.v1alpha.ServerReflection",
    "grpc.reflection.v1.ServerReflection",
)


async def _refuse_streaming(request: Any, context: grpc.aio.ServicerContext) -> None:
    await context.abort(grpc.StatusCode.UNIMPLEMENTED, "streaming calls are not served here")


class _Call:
    """One served call: the correlation id bound when it is made, who is calling bound
    once proven, and one log line and the context put back when it is closed."""

    def __init__(self, method: str, context: grpc.aio.ServicerContext) -> None:
        self._method = method
        self._context = context
        self._metadata = context.invocation_metadata()
        self.code = grpc.StatusCode.OK
        incoming = metadata_value(self._metadata, CORRELATION_HEADER)
        cid = (incoming or "")[:_CORRELATION_LIMIT] or new_correlation_id()
        self._tokens: list[tuple[Any, Any]] = [
            (ctx.correlation_id, ctx.correlation_id.set(cid)),
            (ctx.method, ctx.method.set(method)),
        ]
        structlog.contextvars.bind_contextvars(correlation_id=cid)
        self._started = time.perf_counter()

    async def admit(self, security: Security) -> None:
        """Authenticate and authorize, or raise why not."""
        who, declared = await security.admit(self._context, self._method, self._metadata)
        self._tokens.append((ctx.principal, ctx.principal.set(who)))
        structlog.contextvars.bind_contextvars(caller=who.audit_name)
        self._tokens.append((ctx.purpose, ctx.purpose.set(declared)))

    async def fail(self, error: BaseException) -> None:
        if isinstance(error, ServiceError):
            self.code = error.code
            await self._context.abort_with_status(to_status(error))
        elif isinstance(error, grpc.aio.AbortError):
            self.code = self._context.code() or grpc.StatusCode.UNKNOWN
            raise error
        elif isinstance(error, NotImplementedError):
            # A method in the contract that this build does not serve yet (the generated base).
            self.code = grpc.StatusCode.UNIMPLEMENTED
            await self._context.abort(grpc.StatusCode.UNIMPLEMENTED, "method not implemented")
        else:
            self.code = grpc.StatusCode.INTERNAL
            log.error(
                "unhandled error",
                method=self._method,
                error_type=type(error).__name__,
                exc_info=error,
            )
            await self._context.abort(grpc.StatusCode.INTERNAL, "internal error; see server log")

    def close(self) -> None:
        log.info(
            "rpc",
            method=self._method,
            code=self.code.name,
            duration_ms=round((time.perf_counter() - self._started) * 1000, 2),
        )
        structlog.contextvars.unbind_contextvars("correlation_id", "caller")
        for var, token in reversed(self._tokens):
            var.reset(token)
