"""Tensor types of the IR: shapes with a symbolic batch axis, and dtypes."""

from __future__ import annotations

from math import prod
from typing import NamedTuple

from archdsl.errors import ShapeError

BATCH = "N"
"""The symbolic batch dimension. Costs are reported at batch 1."""

Dim = int | str

DTYPE_BYTES: dict[str, int] = {
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "float64": 8,
    "int64": 8,
    "int32": 4,
    "bool": 1,
}


class TensorType(NamedTuple):
    """The static type of one tensor: its shape (batch symbolic) and dtype.
    (A NamedTuple: types key the memo caches of every pass, and tuples hash in C.)"""

    shape: tuple[Dim, ...]
    dtype: str = "float32"

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def spatial(self) -> tuple[int, ...]:
        """The axes after batch and channel (for an N, C, ... layout); a ShapeError when the batch
        axis has been moved among them (by a permute)."""
        if BATCH in self.shape[2:]:
            raise ShapeError(f"expected an N×C×... input with the batch axis first, got {shape_text(self.shape)}",
                             hint="a permute moved the batch axis N; permute it back to axis 0 before this op")
        return tuple(int(d) for d in self.shape[2:])

    def numel(self, batch: int = 1) -> int:
        """Element count with the batch axis set to `batch`."""
        return prod(batch if d == BATCH else int(d) for d in self.shape)

    def nbytes(self, batch: int = 1) -> int:
        return self.numel(batch) * DTYPE_BYTES[self.dtype]

    def with_shape(self, shape: tuple[Dim, ...]) -> TensorType:
        return TensorType(tuple(shape), self.dtype)

    def __str__(self) -> str:
        dims = "×".join(str(d) for d in self.shape)
        return dims if self.dtype == "float32" else f"{dims} {self.dtype}"


def shape_text(shape: tuple[Dim, ...]) -> str:
    """`N×64×56×56`: the form shapes take in messages and reports."""
    return "×".join(str(d) for d in shape)
