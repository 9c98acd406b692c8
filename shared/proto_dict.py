"""A message as ``json_format.MessageToDict(message, preserving_proto_field_name=True)``
gives it, for the plain messages we store as text (names, addresses, incomes, expenses).

json_format works each field out through reflection at every call, which made it a
visible share of an application's time: every member's stated facts are kept as its
JSON. Here what each field needs is read from its descriptor once. A message with a field
this does not treat the same way (floats, bytes, maps, well-known types such as
Timestamp) goes to json_format itself, so the result is always json_format's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

_PLAIN = {
    FieldDescriptor.TYPE_STRING,
    FieldDescriptor.TYPE_BOOL,
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_SFIXED32,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_FIXED32,
}
# JSON numbers cannot hold every 64-bit integer: the JSON mapping writes them as text.
_AS_TEXT = {
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_SFIXED64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_FIXED64,
}


def message_to_dict(message: Message) -> dict[str, Any]:
    convert = _converter(message.DESCRIPTOR)
    if convert is None:
        return json_format.MessageToDict(message, preserving_proto_field_name=True)
    return convert(message)


@functools.cache
def _converter(descriptor: Descriptor) -> Callable[[Message], dict[str, Any]] | None:
    """None when some field (here or in a nested message) is not one handled here."""
    if descriptor.full_name.startswith("google.protobuf.") or descriptor in _WORKING_OUT:
        return None  # well-known types have JSON forms of their own; a type within itself
    _WORKING_OUT.add(descriptor)
    try:
        return _converter_of(descriptor)
    finally:
        _WORKING_OUT.discard(descriptor)


_WORKING_OUT: set[Descriptor] = set()


def _converter_of(descriptor: Descriptor) -> Callable[[Message], dict[str, Any]] | None:
    single: dict[str, Callable[[Any], Any]] = {}
    for field in descriptor.fields:
        value = _value_converter(field)
        if value is None:
            return None
        single[field.name] = value
    repeated = {f.name for f in descriptor.fields if _is_repeated(f)}

    def convert(message: Message) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field, value in message.ListFields():  # set fields, in field-number order
            name = field.name
            one = single[name]
            out[name] = [one(v) for v in value] if name in repeated else one(value)
        return out

    return convert


def _value_converter(field: FieldDescriptor) -> Callable[[Any], Any] | None:
    if field.type in _PLAIN:
        return _same
    if field.type in _AS_TEXT:
        return str
    if field.type == FieldDescriptor.TYPE_ENUM:
        names = {v.number: v.name for v in field.enum_type.values}
        return lambda number: names.get(number, number)  # an unknown number stays a number
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.GetOptions().map_entry:
            return None
        nested = _converter(field.message_type)
        return nested
    return None  # float, double, bytes: json_format's own rules


def _is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


def _same(value: Any) -> Any:
    return value
