"""The op definitions: attributes, shape rule, weights, MACs, FLOPs, receptive field."""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from pydantic import Field, model_validator

from archdsl.ops import Op, OpAttrs, Receptive, Weight, Window, register
from archdsl.ops.base import (
    Bool,
    Int,
    IntOrList,
    ReceptiveStep,
    channels,
    conv_out_size,
    expect_float,
    expect_rank,
    spatial_positive,
    tuple_n,
)
from archdsl.tensors import TensorType


class CoordConvAttrs(OpAttrs):
    out: Int = Field(ge=1, description="output channels")
    kernel: IntOrList = Field(description="kernel size (int or [h, w])")
    stride: IntOrList = 1
    padding: IntOrList = 0
    dilation: IntOrList = 1
    bias: Bool = True
    with_r: Bool = Field(False, description="also append the radius channel sqrt(y² + x²)")

    @model_validator(mode="after")
    def _sizes(self) -> CoordConvAttrs:
        for key, least in (("kernel", 1), ("stride", 1), ("dilation", 1), ("padding", 0)):
            value = getattr(self, key)
            if any(v < least for v in ([value] if isinstance(value, int) else value)):
                raise ValueError(f"{key} must be at least {least}")
        return self


def coordinate_channels(a: CoordConvAttrs) -> int:
    """How many channels the op appends: y and x, and r when asked."""
    return 3 if a.with_r else 2


@register
class CoordConv(Op):
    """Conv2d over the input with coordinate channels appended (y along H, x along W, each
    linearly spaced over [-1, 1] as torch.linspace; optionally r = sqrt(y² + x²))."""

    name = "coordconv"
    family = "conv"
    Attrs = CoordConvAttrs
    mac_formula = "out_numel × (in_channels + coordinate channels) × prod(kernel)"
    flop_formula = "out_numel (bias) when bias"

    def geometry(self, a: CoordConvAttrs) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple_n(v, 2) for v in (a.kernel, a.stride, a.dilation, a.padding))

    def infer(self, a: CoordConvAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        expect_rank(x, 4, "2-D")
        expect_float(x)
        kernel, stride, dilation, padding = self.geometry(a)
        size = [conv_out_size(n, k, s, p, d) for n, k, s, p, d in zip(x.spatial, kernel, stride, padding, dilation, strict=True)]
        spatial_positive(size, self.name)
        return [x.with_shape((x.shape[0], a.out, *size))]

    def weights(self, a: CoordConvAttrs, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        cin = channels(inputs[0]) + coordinate_channels(a)
        found = {"weight": Weight((a.out, cin, *tuple_n(a.kernel, 2)))}
        if a.bias:
            found["bias"] = Weight((a.out,))
        return found

    def macs(self, a: CoordConvAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        cin = channels(inputs[0]) + coordinate_channels(a)
        return outputs[0].numel() * cin * prod(tuple_n(a.kernel, 2))

    def flops(self, a: CoordConvAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return outputs[0].numel() if a.bias else 0

    def receptive(self, a: CoordConvAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        kernel, stride, dilation, padding = self.geometry(a)
        return tuple(Window.conv(k, s, p, d) for k, s, p, d in zip(kernel, stride, padding, dilation, strict=True))


class SqueezeExciteAttrs(OpAttrs):
    squeeze: Int = Field(ge=1, description="channels of the bottleneck between the two 1×1 convs")


@register
class SqueezeExcite(Op):
    """Squeeze-and-excitation: x × sigmoid(fc2(relu(fc1(global_avgpool(x))))) with 1×1 convs
    fc1, fc2 (torchvision.ops.SqueezeExcitation)."""

    name = "squeeze_excite"
    family = "attention"
    Attrs = SqueezeExciteAttrs
    mac_formula = "2 × channels × squeeze (the two 1×1 convs on the pooled 1×1 map)"
    flop_formula = "2 × in_numel (pooling sums, scaling) + squeeze + channels (biases)"

    def infer(self, a: SqueezeExciteAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        expect_rank(inputs[0], 4, "2-D")
        expect_float(inputs[0])
        return [inputs[0]]

    def weights(self, a: SqueezeExciteAttrs, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        c = channels(inputs[0])
        return {
            "fc1.weight": Weight((a.squeeze, c, 1, 1)),
            "fc1.bias": Weight((a.squeeze,)),
            "fc2.weight": Weight((c, a.squeeze, 1, 1)),
            "fc2.bias": Weight((c,)),
        }

    def macs(self, a: SqueezeExciteAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return 2 * channels(inputs[0]) * a.squeeze

    def flops(self, a: SqueezeExciteAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return 2 * inputs[0].numel() + a.squeeze + channels(inputs[0])

    def receptive(self, a: SqueezeExciteAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        return Receptive.GLOBAL  # the gate pools the whole map: every output sees every input pixel
