"""Calls out of a service carry the served call's correlation id, purpose and caseworker
(shared/channels.py): on a real loopback server, unary and server-streaming alike."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest

from shared import context as ctx
from shared.channels import open_channel

HEADERS = (
    ctx.CORRELATION_HEADER,
    ctx.CALLER_HEADER,
    ctx.PURPOSE_HEADER,
    ctx.ON_BEHALF_HEADER,
    "x-extra",
)


def _seen(context: grpc.aio.ServicerContext) -> bytes:
    got = dict(context.invocation_metadata() or ())
    return "\n".join(f"{key}={got.get(key, '-')}" for key in HEADERS).encode()


async def _echo_headers(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    return _seen(context)


async def _stream_headers(
    request: bytes, context: grpc.aio.ServicerContext
) -> AsyncIterator[bytes]:
    yield _seen(context)


@pytest.fixture
async def target() -> AsyncIterator[str]:
    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "test.Headers",
                {
                    "Unary": grpc.unary_unary_rpc_method_handler(_echo_headers),
                    "Stream": grpc.unary_stream_rpc_method_handler(_stream_headers),
                },
            ),
        )
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(None)


def _parsed(reply: bytes) -> dict[str, str]:
    return dict(line.split("=", 1) for line in reply.decode().splitlines())


async def test_a_call_made_while_serving_carries_the_served_calls_headers(
    target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ctx, "_local_service", "orchestrator")
    ctx.correlation_id.set("c0ffee")
    ctx.purpose.set("eligibility-determination")
    ctx.principal.set(ctx.Principal("caseworker-tool", "cw-7", "caseworker"))
    async with open_channel(target, None) as channel:
        unary = _parsed(await channel.unary_unary("/test.Headers/Unary")(b""))
        streamed = [_parsed(r) async for r in channel.unary_stream("/test.Headers/Stream")(b"")]
    expected = {
        ctx.CORRELATION_HEADER: "c0ffee",
        ctx.CALLER_HEADER: "orchestrator",
        ctx.PURPOSE_HEADER: "eligibility-determination",
        ctx.ON_BEHALF_HEADER: "cw-7",
        "x-extra": "-",
    }
    assert unary == expected
    assert streamed == [expected]


async def test_headers_the_caller_gives_are_kept_and_the_rest_added(target: str) -> None:
    ctx.purpose.set("eligibility-determination")
    async with open_channel(target, None) as channel:
        reply = await channel.unary_unary("/test.Headers/Unary")(
            b"", metadata=[(ctx.PURPOSE_HEADER, "benefit-estimate"), ("x-extra", "1")]
        )
    seen = _parsed(reply)
    assert seen[ctx.PURPOSE_HEADER] == "benefit-estimate"
    assert seen["x-extra"] == "1"
    assert len(seen[ctx.CORRELATION_HEADER]) == 32  # none was being served: a new one
    assert seen[ctx.ON_BEHALF_HEADER] == "-"
