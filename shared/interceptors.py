"""Server and client interceptors: correlation id across hops, one access-log line
per call, and the single place where errors become gRPC statuses."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import structlog

from shared.context import CORRELATION_HEADER, correlation_id, new_correlation_id
from shared.errors import ServiceError, to_status

log = structlog.get_logger("grpc")


def _metadata_value(metadata: Any, key: str) -> str | None:
    for item_key, value in metadata or ():
        if item_key == key:
            return value if isinstance(value, str) else value.decode()
    return None


class ServerCallInterceptor(grpc.aio.ServerInterceptor):
    """Binds the caller's correlation id, logs one line per call and maps errors."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler  # streaming and unknown methods pass through untouched
        method = handler_call_details.method
        incoming = _metadata_value(handler_call_details.invocation_metadata, CORRELATION_HEADER)
        behavior = handler.unary_unary

        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            cid = incoming or new_correlation_id()
            token = correlation_id.set(cid)
            structlog.contextvars.bind_contextvars(correlation_id=cid)
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                return await behavior(request, context)
            except ServiceError as error:
                code = error.code
                await context.abort_with_status(to_status(error))
            except grpc.aio.AbortError:
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            except Exception:
                code = grpc.StatusCode.INTERNAL
                log.exception("unhandled error", method=method)
                await context.abort(grpc.StatusCode.INTERNAL, "internal error; see server log")
            finally:
                log.info(
                    "rpc",
                    method=method,
                    code=code.name,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
                structlog.contextvars.unbind_contextvars("correlation_id")
                correlation_id.reset(token)

        return grpc.unary_unary_rpc_method_handler(
            wrapped,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class CorrelationClientInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    """Forwards the current correlation id on every outbound call."""

    async def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[override]
        cid = correlation_id.get() or new_correlation_id()
        metadata = list(client_call_details.metadata or [])
        if not any(key == CORRELATION_HEADER for key, _ in metadata):
            metadata.append((CORRELATION_HEADER, cid))
        details = grpc.aio.ClientCallDetails(
            client_call_details.method,
            client_call_details.timeout,
            metadata,
            client_call_details.credentials,
            client_call_details.wait_for_ready,
        )
        return await continuation(details, request)
