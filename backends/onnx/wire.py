"""The few pieces of the protobuf wire format that serializing large models needs.

A message's encoding is its fields' encodings one after another, and a length-delimited
field (an embedded message, a bytes field) is a tag, the length as a varint, then the bytes.
So a model's tensor data can be written next to protobuf's encoding of the rest, without
being copied into and out of protobuf.
"""

from __future__ import annotations

from google.protobuf.message import Message

LENGTH_DELIMITED = 2
"""The wire type of embedded messages, strings and bytes."""


def varint(value: int) -> bytes:
    """`value` (≥ 0) as a base-128 varint, least significant group first."""
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def header(number: int, length: int) -> bytes:
    """The tag and length that precede `length` bytes of length-delimited field `number`."""
    return varint(number << 3 | LENGTH_DELIMITED) + varint(length)


def split(message: Message, number: int) -> tuple[bytes, bytes]:
    """The encodings of `message`'s fields numbered below and above `number` (field `number`
    itself left out). Protobuf writes fields in number order, so field `number` goes between."""
    present = [field for field, _ in message.ListFields()]
    if all(field.number < number for field in present):
        return message.SerializeToString(), b""
    before, after = type(message)(), type(message)()
    before.CopyFrom(message)
    after.CopyFrom(message)
    for field in present:
        if field.number >= number:
            before.ClearField(field.name)
        if field.number <= number:
            after.ClearField(field.name)
    return before.SerializeToString(), after.SerializeToString()
