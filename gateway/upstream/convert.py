"""Proto message -> dict, for every message of the contract: field names as in the
proto, integers as JSON numbers (ids, block numbers, counts: all < 2**53), token
amounts stay the decimal strings the proto carries, enums as their short lowercase
name (``MODE_WATCH`` -> ``watch``), an unset message, oneof member or ``optional``
scalar as null, a map as a JSON object."""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

_ENUM_NAMES: dict[tuple[str, int], str] = {}


def enum_name(enum: EnumDescriptor, number: int) -> str:
    key = (enum.full_name, number)
    name = _ENUM_NAMES.get(key)
    if name is None:
        value = enum.values_by_number.get(number)
        raw = value.name if value is not None else str(number)
        prefix = _prefix(enum)
        name = raw[len(prefix):].lower() if raw.startswith(prefix) else raw.lower()
        _ENUM_NAMES[key] = name
    return name


def _prefix(enum: EnumDescriptor) -> str:
    # PoolKind -> POOL_KIND_, SyncState -> SYNC_STATE_
    out = "".join("_" + c if c.isupper() and i else c for i, c in enumerate(enum.name))
    return out.upper() + "_"


def _value(field: FieldDescriptor, value: Any) -> Any:
    if field.message_type is not None:
        return to_dict(value)
    if field.enum_type is not None:
        return enum_name(field.enum_type, value)
    return value


def to_dict(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        name = field.name
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            out[name] = {k: _value(value_field, v) for k, v in getattr(message, name).items()}
        elif field.is_repeated:
            out[name] = [_value(field, v) for v in getattr(message, name)]
        elif field.containing_oneof is not None:
            chosen = message.WhichOneof(field.containing_oneof.name)
            out[name] = _value(field, getattr(message, name)) if chosen == name else None
        elif field.message_type is not None:
            out[name] = to_dict(getattr(message, name)) if message.HasField(name) else None
        else:
            out[name] = _value(field, getattr(message, name))
    return out
