"""What every hostile-input test checks after a refusal: what the caller heard, that
nothing was written anywhere, that no agency was asked, and that the service still serves."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import inspect, text

from shared.errors import ErrorDetails, details_of


def row_counts(databases: dict[str, Any]) -> dict[str, int]:
    """Rows in every table of every database the services use, by table name."""
    counts: dict[str, int] = {}
    for db in {id(db): db for db in databases.values()}.values():
        with db.engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                counts[table] = connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
    return counts


async def refused(call: Awaitable[Any], code: grpc.StatusCode) -> ErrorDetails:
    """Await a call that must fail with ``code``; its details."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    details = details_of(caught.value)
    assert details.code == code, f"{details.code.name}: {details.message}"
    return details


async def serving(handle: Any) -> bool:
    async with handle.channel() as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=""), timeout=5
        )
    return reply.status == health_pb2.HealthCheckResponse.SERVING


def fields(details: ErrorDetails) -> set[str]:
    return {v.field for v in details.violations}
