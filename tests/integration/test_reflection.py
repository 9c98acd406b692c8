"""Reflection as stock tools use it: v1 as well as v1alpha, and enough of google.rpc that a
client knowing none of our files decodes an error's details."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from grpc_reflection.v1alpha import reflection_pb2

from eligibility.treasury.v1 import income_verification_pb2 as treasury_pb
from eligibility.treasury.v1 import income_verification_pb2_grpc as treasury_grpc

V1 = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"


async def _ask_v1(
    channel: grpc.aio.Channel, request: reflection_pb2.ServerReflectionRequest
) -> Any:
    """One request over reflection v1. Its messages are v1alpha's under another package name,
    byte for byte, as any v1 client sends them."""
    call = channel.stream_stream(
        V1,
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    replies = [reply async for reply in call(iter([request]), timeout=10)]
    assert len(replies) == 1
    return replies[0]


async def _pool_for(channel: grpc.aio.Channel, *symbols: str) -> descriptor_pool.DescriptorPool:
    """A fresh pool with the files defining ``symbols`` and their imports, all fetched by
    reflection, as grpcurl builds one."""
    pool = descriptor_pool.DescriptorPool()
    files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    for symbol in symbols:
        reply = await _ask_v1(
            channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol)
        )
        assert not reply.HasField("error_response"), reply.error_response.error_message
        for raw in reply.file_descriptor_response.file_descriptor_proto:
            proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
            files[proto.name] = proto
    added: set[str] = set()
    while len(added) < len(files):
        for proto in files.values():
            if proto.name not in added and set(proto.dependency) <= added:
                pool.Add(proto)
                added.add(proto.name)
    return pool


async def test_every_server_lists_its_services_through_reflection_v1(coordination) -> None:  # type: ignore[no-untyped-def]
    handles = {"orchestrator": coordination.handle, **coordination.agencies}
    for name, handle in handles.items():
        async with handle.channel() as channel:
            reply = await _ask_v1(channel, reflection_pb2.ServerReflectionRequest(list_services=""))
        listed = {s.name for s in reply.list_services_response.service}
        assert {
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
        } <= listed, name
        assert any(s.startswith(f"eligibility.{name}.v1.") for s in listed), (name, listed)


async def test_reflection_v1_describes_itself(coordination) -> None:  # type: ignore[no-untyped-def]
    async with coordination.handle.channel() as channel:
        pool = await _pool_for(channel, "grpc.reflection.v1.ServerReflection")
    method = pool.FindServiceByName("grpc.reflection.v1.ServerReflection").methods[0]
    assert method.input_type.full_name == "grpc.reflection.v1.ServerReflectionRequest"


async def test_a_client_without_our_files_decodes_bad_request_details_by_reflection(
    coordination,  # type: ignore[no-untyped-def]
) -> None:
    async with coordination.agencies["treasury"].channel() as channel:
        stub = treasury_grpc.IncomeVerificationServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.VerifyHouseholdIncome(
                treasury_pb.VerifyHouseholdIncomeRequest(
                    tax_year=2025, filers=[treasury_pb.TaxFiler(person_id="p1", ssn="523110042")]
                ),
                timeout=10,
            )
        pool = await _pool_for(channel, "google.rpc.Status", "google.rpc.BadRequest")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    raw = dict(caught.value.trailing_metadata())["grpc-status-details-bin"]
    status_type = message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))
    bad_request_type = message_factory.GetMessageClass(
        pool.FindMessageTypeByName("google.rpc.BadRequest")
    )
    status = status_type.FromString(raw)
    decoded = [
        bad_request_type.FromString(d.value)
        for d in status.details
        if d.type_url.endswith("/google.rpc.BadRequest")
    ]
    assert decoded, [d.type_url for d in status.details]
    fields = {v.field for v in decoded[0].field_violations}
    assert "filers[0].name.given" in fields
