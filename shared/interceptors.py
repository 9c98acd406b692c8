"""Server and client interceptors: correlation id across hops, one access-log line
per call, and the single place where errors become gRPC statuses."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import structlog

from shared import decoding
from shared.context import (
    CALLER_HEADER,
    CASEWORKER_HEADER,
    CORRELATION_HEADER,
    caller_service,
    caseworker_id,
    correlation_id,
    local_service,
    new_correlation_id,
)
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
        metadata = handler_call_details.invocation_metadata
        incoming = _metadata_value(metadata, CORRELATION_HEADER)
        caller = _metadata_value(metadata, CALLER_HEADER)
        caseworker = _metadata_value(metadata, CASEWORKER_HEADER)
        behavior = handler.unary_unary

        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            cid = incoming or new_correlation_id()
            token = correlation_id.set(cid)
            caller_token = caller_service.set(caller)
            caseworker_token = caseworker_id.set(caseworker)
            structlog.contextvars.bind_contextvars(correlation_id=cid, caller=caller or "unknown")
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                decoding.raise_if_refused(request)
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
                structlog.contextvars.unbind_contextvars("correlation_id", "caller")
                correlation_id.reset(token)
                caller_service.reset(caller_token)
                caseworker_id.reset(caseworker_token)

        return grpc.unary_unary_rpc_method_handler(
            wrapped,
            request_deserializer=decoding.tolerant(handler.request_deserializer, method),
            response_serializer=handler.response_serializer,
        )


class CorrelationClientInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    """Forwards the correlation id and the caseworker, and names this service as caller."""

    async def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[override]
        cid = correlation_id.get() or new_correlation_id()
        metadata = list(client_call_details.metadata or [])
        present = {key for key, _ in metadata}
        if CORRELATION_HEADER not in present:
            metadata.append((CORRELATION_HEADER, cid))
        if CALLER_HEADER not in present:
            metadata.append((CALLER_HEADER, local_service()))
        caseworker = caseworker_id.get()
        if caseworker and CASEWORKER_HEADER not in present:
            metadata.append((CASEWORKER_HEADER, caseworker))
        details = grpc.aio.ClientCallDetails(
            client_call_details.method,
            client_call_details.timeout,
            metadata,
            client_call_details.credentials,
            client_call_details.wait_for_ready,
        )
        return await continuation(details, request)
