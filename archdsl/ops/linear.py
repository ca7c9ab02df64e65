"""Dense layers: linear (fully connected) and embedding (table lookup)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field, model_validator

from archdsl.errors import ShapeError
from archdsl.ops.base import (
    Bool,
    DefaultInit,
    Family,
    Int,
    Op,
    OpAttrs,
    Receptive,
    ReceptiveStep,
    Weight,
    expect_float,
    layer_defaults,
    register,
)
from archdsl.tensors import BATCH, TensorType, shape_text


class LinearAttrs(OpAttrs):
    out: Int = Field(ge=1, description="output features")
    bias: Bool = True


def in_features(x: TensorType) -> int:
    """The feature count (last axis) a linear layer reads."""
    if x.rank < 2 or x.shape[-1] == BATCH:
        raise ShapeError(
            f"linear acts on the last axis of an N×...×F input, got {shape_text(x.shape)}",
            hint="add a `flatten` node before it",
        )
    return int(x.shape[-1])


@register
class Linear(Op):
    """Affine map on the last axis, any rank ≥ 2 (torch.nn.Linear)."""

    name = "linear"
    shape_formula = "N×…×F → N×…×out"
    family = Family.LINEAR
    Attrs = LinearAttrs
    mac_formula = "out_numel × in_features"
    flop_formula = "out_numel (bias add) when bias"
    folds_norms = frozenset({"batchnorm1d"})

    def folds(self, norm: str, output: TensorType) -> bool:
        # the features are the last axis; BatchNorm1d normalises axis 1, the same axis only at rank 2
        return norm in self.folds_norms and output.rank == 2

    def infer(self, a: LinearAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        expect_float(x)
        in_features(x)
        return [x.with_shape((*x.shape[:-1], a.out))]

    def weights(self, a: LinearAttrs, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        found = {"weight": Weight((a.out, in_features(inputs[0])))}
        if a.bias:
            found["bias"] = Weight((a.out,))
        return found

    def default_init(self, a: LinearAttrs, weights: dict[str, Weight]) -> dict[str, DefaultInit]:
        return layer_defaults(weights)

    def macs(self, a: LinearAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return outputs[0].numel() * in_features(inputs[0])

    def flops(self, a: LinearAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return outputs[0].numel() if a.bias else 0

    def receptive(self, a: LinearAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        # The last axis is mixed; with rank > 2 that axis is a spatial one.
        return Receptive.GLOBAL if inputs[0].rank > 2 else Receptive.SAME


class EmbeddingAttrs(OpAttrs):
    num: Int = Field(ge=1, description="table size (number of embeddings)")
    dim: Int = Field(ge=1, description="embedding dimension")
    padding_idx: Int | None = None

    @model_validator(mode="after")
    def _padding_in_table(self) -> EmbeddingAttrs:
        if self.padding_idx is not None and not -self.num <= self.padding_idx < self.num:
            raise ValueError(f"padding_idx must lie in [-{self.num}, {self.num})")
        return self


@register
class Embedding(Op):
    """Lookup of integer indices in a num × dim table (torch.nn.Embedding)."""

    name = "embedding"
    shape_formula = "N×… integers → N×…×dim, float32"
    family = Family.LINEAR
    Attrs = EmbeddingAttrs
    mac_formula = "0 (a table lookup)"

    def infer(self, a: EmbeddingAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        if not x.dtype.startswith("int"):
            raise ShapeError(
                f"embedding expects integer indices, got {x.dtype}",
                hint="declare the input with dtype: int64",
            )
        return [TensorType((*x.shape, a.dim), "float32")]

    def weights(self, a: EmbeddingAttrs, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        return {"weight": Weight((a.num, a.dim))}

    def default_init(self, a: EmbeddingAttrs, weights: dict[str, Weight]) -> dict[str, DefaultInit]:
        """N(0, 1), with the padding_idx row zeroed."""
        return {"weight": DefaultInit.of("normal", zero_row=a.padding_idx, mean=0.0, std=1.0)}

    def receptive(self, a: EmbeddingAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        # A new feature axis is appended, so input and output axes no longer line up.
        return Receptive.GLOBAL
