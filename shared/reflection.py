"""Server reflection as stock tools ask for it.

grpcurl and buf curl ask for ``grpc.reflection.v1`` first and fall back to ``v1alpha``;
grpcio-reflection implements only ``v1alpha``. The two protocols are the same messages under
another package name, byte for byte, so one servicer answers both: v1 callers get the v1alpha
handler under the v1 name, and the v1 file is described in the pool so that reflection can
describe itself under either name.

The ``google.rpc`` status and error-detail files are put in the pool explicitly: every error
carries ``google.rpc.ErrorInfo`` and often ``BadRequest`` or ``RetryInfo``, and a client
decodes those details only if reflection can describe their types.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from google.rpc import error_details_pb2, status_pb2
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc

V1ALPHA_SERVICE_NAME = reflection.SERVICE_NAME
V1_SERVICE_NAME = "grpc.reflection.v1.ServerReflection"
_V1_FILE = "grpc/reflection/v1/reflection.proto"
_V1ALPHA_PREFIX = ".grpc.reflection.v1alpha."
_V1_PREFIX = ".grpc.reflection.v1."
# The error-detail files, named so the import is visibly needed.
ERROR_DETAIL_FILES = (status_pb2.DESCRIPTOR.name, error_details_pb2.DESCRIPTOR.name)


def _renamed(type_name: str) -> str:
    if type_name.startswith(_V1ALPHA_PREFIX):
        return _V1_PREFIX + type_name.removeprefix(_V1ALPHA_PREFIX)
    return type_name


def _rename_fields(messages: Iterable[descriptor_pb2.DescriptorProto]) -> None:
    for message in messages:
        for field in message.field:
            if field.HasField("type_name"):
                field.type_name = _renamed(field.type_name)
        _rename_fields(message.nested_type)


def _describe_v1(pool: descriptor_pool.DescriptorPool) -> None:
    """Add the v1 reflection file to the pool, derived from the v1alpha one."""
    try:
        pool.FindFileByName(_V1_FILE)
        return
    except KeyError:
        pass
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    proto.name = _V1_FILE
    proto.package = "grpc.reflection.v1"
    proto.ClearField("options")
    _rename_fields(proto.message_type)
    for service in proto.service:
        for method in service.method:
            method.input_type = _renamed(method.input_type)
            method.output_type = _renamed(method.output_type)
    pool.AddSerializedFile(proto.SerializeToString())


def _v1_handler(servicer: reflection_pb2_grpc.ServerReflectionServicer) -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler(
        V1_SERVICE_NAME,
        {
            "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                servicer.ServerReflectionInfo,
                request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
                response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
            )
        },
    )


def enable_reflection(service_names: Iterable[str], server: grpc.aio.Server) -> None:
    """Serve reflection under both names, listing ``service_names`` and both reflections."""
    _describe_v1(descriptor_pool.Default())
    names = (*service_names, V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME)
    servicer = reflection.aio.ReflectionServicer(names)
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    server.add_generic_rpc_handlers((_v1_handler(servicer),))
