"""The graph input: a placeholder with a declared type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from archdsl.ops.base import Family, Int, Op, OpAttrs, register
from archdsl.tensors import BATCH, TensorType

Dtype = Literal["float32", "float16", "bfloat16", "float64", "int64", "int32", "bool"]


class InputAttrs(OpAttrs):
    shape: tuple[Int, ...] = Field(description="shape without the batch axis")
    dtype: Dtype = "float32"


@register
class Input(Op):
    """A graph input of shape N × `shape` (the batch axis is symbolic)."""

    name = "input"
    shape_formula = "N × shape (the batch axis N stays symbolic)"
    family = Family.IO
    Attrs = InputAttrs
    arity = (0, 0)

    def infer(self, a: InputAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        return [TensorType((BATCH, *a.shape), a.dtype)]
