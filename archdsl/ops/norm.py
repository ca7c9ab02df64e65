"""Normalisation: batchnorm1d, batchnorm2d, layernorm, groupnorm, local_response_norm.

For the receptive field every normalisation is element-wise: statistics pooled
over a batch, a group or a layer are not counted as spatial dependence (the
usual convention, and exact for BatchNorm at inference).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, ClassVar

from pydantic import Field

from archdsl.errors import ShapeError
from archdsl.ops.base import (
    Bool,
    DefaultInit,
    Family,
    Float,
    Int,
    Op,
    OpAttrs,
    Weight,
    channels,
    expect_float,
    groups_not_dividing,
    register,
)
from archdsl.tensors import BATCH, TensorType, shape_text

Eps = Annotated[Float, Field(gt=0, description="added to the variance")]
Momentum = Annotated[Float, Field(ge=0, le=1)]


def affine_weights(shape: tuple[int, ...], weight: bool, bias: bool) -> dict[str, Weight]:
    """The scale (`weight`) and shift (`bias`) parameters of a normalisation."""
    found = {"weight": Weight(shape)} if weight else {}
    if bias:
        found["bias"] = Weight(shape)
    return found


class _Norm(Op):
    """Shape-preserving normalisation of a floating-point tensor."""

    family = Family.NORM
    statistics: ClassVar[int] = 3
    """FLOPs per element spent on the statistics (0 when they are stored)."""
    flop_formula = "out_numel × (statistics + 2 + 2·affine): statistics 3 per element when computed (sum, square, sum), 0 for BatchNorm; normalise 2; scale and shift 2"

    def check(self, a: OpAttrs, x: TensorType) -> None:
        """Raise ShapeError when `x` does not fit; the output is `x`'s type."""

    def infer(self, a: OpAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        expect_float(x)
        self.check(a, x)
        return [x]

    def is_affine(self, a: OpAttrs) -> bool:
        return bool(getattr(a, "affine", False))

    def flops(self, a: OpAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return outputs[0].numel() * (self.statistics + 2 + 2 * self.is_affine(a))

    def default_init(self, a: OpAttrs, weights: dict[str, Weight]) -> dict[str, DefaultInit]:
        """Scale 1, shift 0; running mean 0, variance 1, batch count 0: no draws."""
        return {name: DefaultInit("ones" if name in ("weight", "running_var") else "zeros") for name in weights}


class BatchNormAttrs(OpAttrs):
    eps: Eps = 1e-5
    momentum: Momentum | None = 0.1
    affine: Bool = True
    track_running_stats: Bool = True


class _BatchNorm(_Norm):
    Attrs = BatchNormAttrs
    ranks: ClassVar[tuple[int, ...]]
    layout: ClassVar[str]
    statistics = 0

    def check(self, a: BatchNormAttrs, x: TensorType) -> None:
        if x.rank not in self.ranks:
            raise ShapeError(f"{self.name} expects an {self.layout} input, got {shape_text(x.shape)}")
        channels(x)

    def weights(self, a: BatchNormAttrs, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        c = (channels(inputs[0]),)
        found = affine_weights(c, a.affine, a.affine)
        if a.track_running_stats:
            found["running_mean"] = Weight(c, trainable=False)
            found["running_var"] = Weight(c, trainable=False)
            found["num_batches_tracked"] = Weight((), trainable=False, dtype="int64")
        return found


@register
class BatchNorm1d(_BatchNorm):
    """Batch normalisation over N×C or N×C×L (torch.nn.BatchNorm1d)."""

    name = "batchnorm1d"
    ranks = (2, 3)
    layout = "N×C or N×C×L"


@register
class BatchNorm2d(_BatchNorm):
    """Batch normalisation over N×C×H×W (torch.nn.BatchNorm2d)."""

    name = "batchnorm2d"
    ranks = (4,)
    layout = "N×C×H×W"


class LayerNormAttrs(OpAttrs):
    dims: Int = Field(1, ge=1, description="normalise over this many trailing axes")
    eps: Eps = 1e-5
    elementwise_affine: Bool = True
    bias: Bool = True


@register
class LayerNorm(_Norm):
    """Layer normalisation over the last `dims` axes (torch.nn.LayerNorm)."""

    name = "layernorm"
    Attrs = LayerNormAttrs

    def normalized_shape(self, a: LayerNormAttrs, x: TensorType) -> tuple[int, ...]:
        shape = x.shape[x.rank - a.dims :]
        if a.dims >= x.rank or BATCH in shape:
            raise ShapeError(
                f"layernorm over the last {a.dims} axes of {shape_text(x.shape)} would include the batch axis",
                hint=f"use dims ≤ {max(x.rank - 1, 0)}",
            )
        return tuple(int(d) for d in shape)

    def check(self, a: LayerNormAttrs, x: TensorType) -> None:
        self.normalized_shape(a, x)

    def is_affine(self, a: LayerNormAttrs) -> bool:
        return a.elementwise_affine

    def weights(self, a: LayerNormAttrs, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        shape = self.normalized_shape(a, inputs[0])
        return affine_weights(shape, a.elementwise_affine, a.elementwise_affine and a.bias)


class GroupNormAttrs(OpAttrs):
    groups: Int = Field(ge=1)
    eps: Eps = 1e-5
    affine: Bool = True


@register
class GroupNorm(_Norm):
    """Group normalisation over N×C×... (torch.nn.GroupNorm); groups must divide C."""

    name = "groupnorm"
    Attrs = GroupNormAttrs

    def check(self, a: GroupNormAttrs, x: TensorType) -> None:
        c = channels(x)
        if c % a.groups:
            raise groups_not_dividing(f"groupnorm: groups={a.groups} does not divide the {c} input channels", a.groups, c)

    def weights(self, a: GroupNormAttrs, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        c = (channels(inputs[0]),)
        return affine_weights(c, a.affine, a.affine)


class LocalResponseNormAttrs(OpAttrs):
    size: Int = Field(ge=1, description="number of neighbouring channels")
    alpha: Float = 1e-4
    beta: Float = 0.75
    k: Float = 1.0


@register
class LocalResponseNorm(_Norm):
    """Local response normalisation across channels, AlexNet's LRN (torch.nn.LocalResponseNorm)."""

    name = "local_response_norm"
    Attrs = LocalResponseNormAttrs
    flop_formula = "out_numel × (size + 4): square, sum over `size` channels, scale and shift, power, divide"

    def check(self, a: LocalResponseNormAttrs, x: TensorType) -> None:
        if x.rank < 3:
            raise ShapeError(f"local_response_norm expects an N×C×... input of rank ≥ 3, got {shape_text(x.shape)}")
        channels(x)

    def flops(self, a: LocalResponseNormAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return outputs[0].numel() * (a.size + 4)
