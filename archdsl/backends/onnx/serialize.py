"""An emitted model with its tensor data held apart, and its serialization.

Putting 100 MB of weights through protobuf costs three copies (array → bytes → raw_data →
serialized message) and protobuf is slow at the last. Here protobuf encodes everything but
the tensor data (kilobytes), and the data is written beside it in the wire format: the bytes
are those of `ModelProto.SerializeToString()`, made with one copy of the data.

The few pieces of the wire format needed: a message's encoding is its fields' encodings one
after another, and a length-delimited field (an embedded message, a bytes field) is a tag, the
length as a varint, then the bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from google.protobuf.message import Message
from onnx import GraphProto, ModelProto, TensorProto

from archdsl.errors import BackendError

Chunk = bytes | np.ndarray
"""A piece of a serialized model: protobuf's bytes, or a 1-D uint8 view of tensor data."""

GRAPH = ModelProto.DESCRIPTOR.fields_by_name["graph"].number
INITIALIZER = GraphProto.DESCRIPTOR.fields_by_name["initializer"].number
RAW_DATA = TensorProto.DESCRIPTOR.fields_by_name["raw_data"].number

MAX_BYTES = 2**31 - 1
"""The largest message protobuf parsers accept (ONNX keeps bigger weights in external files)."""


@dataclass(frozen=True)
class Emitted:
    """A ModelProto whose initializers have names, types and shapes but no data, and that data:
    one C-ordered, little-endian array per initializer, in the initializers' order (they may
    share memory with the weights exported: serialize before changing those)."""

    model: ModelProto
    payloads: tuple[np.ndarray, ...]

    def proto(self) -> ModelProto:
        """A complete ModelProto: a copy of `model` with each initializer's raw_data filled."""
        full = ModelProto()
        full.CopyFrom(self.model)
        for tensor, payload in zip(full.graph.initializer, self.payloads, strict=True):
            tensor.raw_data = payload.tobytes()
        return full

    def chunks(self) -> list[Chunk]:
        """The serialized model as pieces to join or write in order; the tensor data is not copied.
        A BackendError when the model is too large for protobuf."""
        graph = self.model.graph
        tensors: list[Chunk] = []
        for tensor, payload in zip(graph.initializer, self.payloads, strict=True):
            tensors += _field(INITIALIZER, _tensor(tensor, payload))
        graph_before, graph_after = split(graph, INITIALIZER)
        model_before, model_after = split(self.model, GRAPH)
        pieces = [model_before, *_field(GRAPH, [graph_before, *tensors, graph_after]), model_after]
        _check_size(sum(map(len, pieces)))
        return pieces

    def to_bytes(self) -> bytes:
        """The serialized model: `proto().SerializeToString()`, with one copy of the tensor data."""
        return b"".join(self.chunks())

    def size(self) -> int:
        """The length of the serialized model in bytes (nothing is serialized but the headers)."""
        return sum(map(len, self.chunks()))

    def write(self, out: BinaryIO) -> int:
        """Write the serialized model (the bytes of `to_bytes()`) to `out` piece by piece, the
        tensor data straight from the arrays, never joined in memory; the number of bytes."""
        size = 0
        for chunk in self.chunks():
            out.write(chunk)
            size += len(chunk)
        return size


def _tensor(tensor: TensorProto, payload: np.ndarray) -> list[Chunk]:
    """An initializer's encoding: its header fields, then raw_data viewing `payload`'s bytes."""
    before, after = split(tensor, RAW_DATA)
    return [before, *_field(RAW_DATA, [payload.reshape(-1).view(np.uint8)]), after]


def _field(number: int, parts: Sequence[Chunk]) -> list[Chunk]:
    """Length-delimited field `number` holding `parts` one after another."""
    return [header(number, sum(map(len, parts))), *parts]


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise BackendError(f"the ONNX model would be {size / 2**30:.2f} GiB; protobuf cannot encode more than 2 GiB",
                           hint="ONNX keeps larger weights in external data files, which archdsl does not write")


# -- the protobuf wire format -----------------------------------------------------------

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
