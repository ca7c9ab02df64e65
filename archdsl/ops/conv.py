"""Convolutions: conv1d, conv2d, conv_transpose2d."""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from archdsl.errors import ShapeError
from archdsl.ops.base import (
    Bool,
    DefaultInit,
    Family,
    Int,
    IntOrList,
    Op,
    OpAttrs,
    Weight,
    Window,
    channels,
    conv_out_size,
    expect_float,
    expect_rank,
    groups_not_dividing,
    layer_defaults,
    register,
    spatial_positive,
    tuple_n,
)
from archdsl.tensors import TensorType

PositiveInt = Field(ge=1)


class ConvAttrs(OpAttrs):
    out: Int = Field(ge=1, description="output channels")
    kernel: IntOrList = Field(description="kernel size (int or one per spatial axis)")
    stride: IntOrList = 1
    padding: IntOrList | Literal["same", "valid"] = 0
    dilation: IntOrList = 1
    groups: Int = Field(1, ge=1)
    bias: Bool = True

    @model_validator(mode="after")
    def _positive(self) -> ConvAttrs:
        for field in ("kernel", "stride", "dilation"):
            value = getattr(self, field)
            if any(v < 1 for v in ([value] if isinstance(value, int) else value)):
                raise ValueError(f"{field} must be at least 1")
        if isinstance(self.padding, (int, list)):
            if any(v < 0 for v in ([self.padding] if isinstance(self.padding, int) else self.padding)):
                raise ValueError("padding must be non-negative")
        return self


class _ConvNd(Op):
    family = Family.CONV
    shape_formula = "N×C×L… → N×out×L′… with L′ = ⌊(L + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1 per spatial axis (padding same: L′ = L)"
    Attrs = ConvAttrs
    ndim: ClassVar[int]
    mac_formula = "out_numel × (in_channels / groups) × prod(kernel)"

    def geometry(self, a: ConvAttrs) -> tuple[tuple[int, ...], ...]:
        """kernel, stride, dilation, padding per spatial axis ('same' resolved to its left side)."""
        kernel = tuple_n(a.kernel, self.ndim, "kernel")
        stride = tuple_n(a.stride, self.ndim, "stride")
        dilation = tuple_n(a.dilation, self.ndim, "dilation")
        if a.padding == "valid":
            padding = (0,) * self.ndim
        elif a.padding == "same":
            if any(s != 1 for s in stride):
                raise ShapeError("padding 'same' needs stride 1 (as in PyTorch)")
            # An odd total pads one more on the right, as PyTorch does; this is the left side.
            padding = tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation, strict=True))
        else:
            padding = tuple_n(a.padding, self.ndim, "padding")
        return kernel, stride, dilation, padding

    def check_groups(self, a: ConvAttrs, cin: int) -> None:
        if cin % a.groups or a.out % a.groups:
            raise groups_not_dividing(
                f"groups={a.groups} must divide both input channels ({cin}) and out ({a.out})", a.groups, cin, a.out
            )

    def infer(self, a: ConvAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        expect_rank(x, self.ndim + 2, f"{self.ndim}-D")
        expect_float(x)
        self.check_groups(a, channels(x))
        kernel, stride, dilation, padding = self.geometry(a)
        size = list(x.spatial) if a.padding == "same" else [
            conv_out_size(n, k, s, p, d)
            for n, k, s, p, d in zip(x.spatial, kernel, stride, padding, dilation, strict=True)
        ]
        spatial_positive(size, self.name)
        return [x.with_shape((x.shape[0], a.out, *size))]

    def weights(self, a: ConvAttrs, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        kernel = tuple_n(a.kernel, self.ndim, "kernel")
        found = {"weight": Weight((a.out, channels(inputs[0]) // a.groups, *kernel))}
        if a.bias:
            found["bias"] = Weight((a.out,))
        return found

    def default_init(self, a: ConvAttrs, weights: dict[str, Weight]) -> dict[str, DefaultInit]:
        return layer_defaults(weights)

    def macs(self, a: ConvAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        per_output = channels(inputs[0]) // a.groups * prod(tuple_n(a.kernel, self.ndim, "kernel"))
        return outputs[0].numel() * per_output

    def flops(self, a: ConvAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return outputs[0].numel() if a.bias else 0

    def receptive(self, a: ConvAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> tuple[Window, ...]:
        kernel, stride, dilation, padding = self.geometry(a)
        return tuple(Window.conv(*g) for g in zip(kernel, stride, padding, dilation, strict=True))


@register
class Conv1d(_ConvNd):
    """1-D convolution over N×C×L (torch.nn.Conv1d)."""

    name = "conv1d"
    ndim = 1
    folds_norms = frozenset({"batchnorm1d"})


@register
class Conv2d(_ConvNd):
    """2-D convolution over N×C×H×W (torch.nn.Conv2d); `padding: same` as in PyTorch."""

    name = "conv2d"
    ndim = 2
    folds_norms = frozenset({"batchnorm2d"})


class ConvTransposeAttrs(ConvAttrs):
    padding: IntOrList = 0  # type: ignore[assignment]
    output_padding: IntOrList = 0


@register
class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution (torch.nn.ConvTranspose2d)."""

    name = "conv_transpose2d"
    shape_formula = "N×C×H×W → N×out×H′×W′ with H′ = (H − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1"
    ndim = 2
    Attrs = ConvTransposeAttrs
    folds_norms = frozenset({"batchnorm2d"})
    weight_layout = "in_first"
    mac_formula = "in_numel × (out / groups) × prod(kernel)"

    def infer(self, a: ConvTransposeAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        expect_rank(x, 4, "2-D")
        expect_float(x)
        self.check_groups(a, channels(x))
        kernel, stride, dilation, padding = self.geometry(a)
        extra = tuple_n(a.output_padding, 2, "output_padding")
        for e, s, d in zip(extra, stride, dilation, strict=True):
            if e >= max(s, d):
                raise ShapeError(f"output_padding ({e}) must be smaller than stride or dilation")
        size = [
            (n - 1) * s - 2 * p + d * (k - 1) + e + 1
            for n, k, s, p, d, e in zip(x.spatial, kernel, stride, padding, dilation, extra, strict=True)
        ]
        spatial_positive(size, self.name)
        return [x.with_shape((x.shape[0], a.out, *size))]

    def weights(self, a: ConvTransposeAttrs, inputs: Sequence[TensorType]) -> dict[str, Weight]:
        kernel = tuple_n(a.kernel, 2, "kernel")
        found = {"weight": Weight((channels(inputs[0]), a.out // a.groups, *kernel))}
        if a.bias:
            found["bias"] = Weight((a.out,))
        return found

    def macs(self, a: ConvTransposeAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return inputs[0].numel() * (a.out // a.groups) * prod(tuple_n(a.kernel, 2, "kernel"))

    def receptive(self, a: ConvTransposeAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> tuple[Window, ...]:
        kernel, stride, dilation, padding = self.geometry(a)
        return tuple(Window.transposed(*g) for g in zip(kernel, stride, padding, dilation, strict=True))
