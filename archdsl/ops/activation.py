"""Element-wise activations and (log-)softmax.

FLOPs count a fixed number of operations per element, given by `per_element`
on each class (a compare, an exp, a divide each count one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from archdsl.ops.base import (
    Bool,
    DefaultInit,
    Family,
    Float,
    Int,
    NoAttrs,
    Op,
    OpAttrs,
    Receptive,
    ReceptiveStep,
    Weight,
    axis,
    channels,
    expect_float,
    register,
)
from archdsl.tensors import TensorType


class InplaceAttrs(OpAttrs):
    inplace: Bool = False


class LeakyReluAttrs(InplaceAttrs):
    negative_slope: Float = 0.01


class EluAttrs(InplaceAttrs):
    alpha: Float = 1.0


class GeluAttrs(OpAttrs):
    approximate: Literal["none", "tanh"] = "none"


class PReluAttrs(OpAttrs):
    num_parameters: Annotated[Int, Field(ge=1, le=1)] | Literal["channels"] = Field(
        1, description="1 (one shared slope) or 'channels' (one per input channel)"
    )
    init: Float = 0.25


class SoftmaxAttrs(OpAttrs):
    dim: Int = 1


class _Activation(Op):
    """Shape-preserving element-wise function of a floating-point tensor."""

    family = Family.ACTIVATION
    per_element: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.flop_formula = f"out_numel × {cls.per_element}"

    def infer(self, a: OpAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        expect_float(inputs[0])
        return [inputs[0]]

    def flops(self, a: OpAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return outputs[0].numel() * self.per_element


@register
class Relu(_Activation):
    """max(x, 0) (torch.nn.ReLU)."""

    name = "relu"
    saves_result = True
    Attrs = InplaceAttrs


@register
class Relu6(_Activation):
    """min(max(x, 0), 6) (torch.nn.ReLU6)."""

    name = "relu6"
    Attrs = InplaceAttrs
    per_element = 2


@register
class LeakyRelu(_Activation):
    """x if x ≥ 0 else negative_slope·x (torch.nn.LeakyReLU)."""

    name = "leaky_relu"
    Attrs = LeakyReluAttrs
    per_element = 2


@register
class PRelu(_Activation):
    """Leaky ReLU with a learned slope, shared or per channel (torch.nn.PReLU)."""

    name = "prelu"
    Attrs = PReluAttrs
    per_element = 2

    def weights(self, a: PReluAttrs, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        count = channels(inputs[0]) if a.num_parameters == "channels" else 1
        return {"weight": Weight((count,))}

    def default_init(self, a: PReluAttrs, weights: dict[str, Weight]) -> dict[str, DefaultInit]:
        return {"weight": DefaultInit.of("constant", val=float(a.init))}


@register
class Elu(_Activation):
    """x if x > 0 else alpha·(exp(x) − 1) (torch.nn.ELU)."""

    name = "elu"
    Attrs = EluAttrs
    per_element = 3


@register
class Gelu(_Activation):
    """x·Φ(x), exact or tanh-approximated (torch.nn.GELU)."""

    name = "gelu"
    Attrs = GeluAttrs
    per_element = 8


@register
class Silu(_Activation):
    """x·sigmoid(x), a.k.a. swish (torch.nn.SiLU)."""

    name = "silu"
    Attrs = InplaceAttrs
    per_element = 4


@register
class Hardswish(_Activation):
    """x·relu6(x + 3)/6 (torch.nn.Hardswish)."""

    name = "hardswish"
    Attrs = InplaceAttrs
    per_element = 5


@register
class Hardsigmoid(_Activation):
    """relu6(x + 3)/6 (torch.nn.Hardsigmoid)."""

    name = "hardsigmoid"
    Attrs = InplaceAttrs
    per_element = 4


@register
class Sigmoid(_Activation):
    """1/(1 + exp(−x)) (torch.nn.Sigmoid)."""

    name = "sigmoid"
    saves_result = True
    Attrs = NoAttrs
    per_element = 3


@register
class Tanh(_Activation):
    """Hyperbolic tangent (torch.nn.Tanh)."""

    name = "tanh"
    saves_result = True
    Attrs = NoAttrs
    per_element = 5


class _Softmax(_Activation):
    """Normalised exponentials along one axis."""

    Attrs = SoftmaxAttrs

    def infer(self, a: SoftmaxAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        axis(a.dim, inputs[0].rank)
        return super().infer(a, inputs)

    def receptive(self, a: SoftmaxAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        # Along batch or channels it is element-wise in space; along a spatial axis it mixes it.
        return Receptive.GLOBAL if axis(a.dim, inputs[0].rank) >= 2 else Receptive.SAME


@register
class Softmax(_Softmax):
    """exp(x)/Σexp(x) along `dim` (torch.nn.Softmax)."""

    name = "softmax"
    saves_result = True
    per_element = 5


@register
class LogSoftmax(_Softmax):
    """log(softmax(x)) along `dim` (torch.nn.LogSoftmax)."""

    name = "log_softmax"
    saves_result = True
    per_element = 5
