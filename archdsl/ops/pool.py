"""Pooling: max and average pooling (1-D, 2-D) and adaptive pooling.

Pooling does no multiply-accumulates (PyTorch's FlopCounterMode counts none);
its FLOPs are one comparison or addition per element of each window.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import gcd, prod
from typing import ClassVar

from pydantic import Field, model_validator

from archdsl.errors import ShapeError
from archdsl.ops.base import (
    Bool,
    Family,
    Int,
    IntOrList,
    Op,
    OpAttrs,
    Receptive,
    ReceptiveStep,
    Window,
    as_list,
    channels,
    conv_out_size,
    expect_float,
    expect_rank,
    register,
    spatial_positive,
    tuple_n,
)
from archdsl.tensors import TensorType


class PoolAttrs(OpAttrs):
    kernel: IntOrList = Field(description="window size (int or one per spatial axis)")
    stride: IntOrList | None = Field(None, description="defaults to the kernel")
    padding: IntOrList = 0
    ceil_mode: Bool = False

    @model_validator(mode="after")
    def _ranges(self) -> PoolAttrs:
        for field, low in (("kernel", 1), ("stride", 1), ("dilation", 1), ("padding", 0)):
            value = getattr(self, field, None)
            if value is not None and any(v < low for v in as_list(value)):
                raise ValueError(f"{field} must be at least {low}")
        return self


class MaxPoolAttrs(PoolAttrs):
    dilation: IntOrList = 1


class AvgPoolAttrs(PoolAttrs):
    count_include_pad: Bool = True


class _PoolNd(Op):
    family = Family.POOL
    ndim: ClassVar[int]
    mac_formula = "0"
    flop_formula = "out_numel × prod(kernel) (one compare or add per window element)"
    shape_formula = "N×C×L… → N×C×L′… with L′ = ⌊(L + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1 (rounded up with ceil_mode, the last window starting inside the input); stride defaults to kernel"

    def geometry(self, a: PoolAttrs) -> tuple[tuple[int, ...], ...]:
        """kernel, stride, padding, dilation per spatial axis."""
        kernel = tuple_n(a.kernel, self.ndim, "kernel")
        stride = kernel if a.stride is None else tuple_n(a.stride, self.ndim, "stride")
        dilation = tuple_n(getattr(a, "dilation", 1), self.ndim, "dilation")
        return kernel, stride, tuple_n(a.padding, self.ndim, "padding"), dilation

    def infer(self, a: PoolAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        expect_rank(x, self.ndim + 2, f"{self.ndim}-D")
        expect_float(x)
        channels(x)
        kernel, stride, padding, dilation = self.geometry(a)
        for k, p in zip(kernel, padding, strict=True):
            if p > k // 2:
                raise ShapeError(
                    f"{self.name}: padding {p} is more than half the kernel {k} (PyTorch's limit)",
                    hint=f"use padding ≤ {k // 2}",
                )
        size = [
            conv_out_size(n, *g, ceil=a.ceil_mode)
            for n, *g in zip(x.spatial, kernel, stride, padding, dilation, strict=True)
        ]
        spatial_positive(size, self.name)
        return [x.with_shape((*x.shape[:2], *size))]

    def flops(self, a: PoolAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return outputs[0].numel() * prod(tuple_n(a.kernel, self.ndim, "kernel"))

    def receptive(self, a: PoolAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        kernel, stride, padding, dilation = self.geometry(a)
        return tuple(Window.conv(*g) for g in zip(kernel, stride, padding, dilation, strict=True))


@register
class MaxPool1d(_PoolNd):
    """1-D max pooling over N×C×L (torch.nn.MaxPool1d)."""

    name = "maxpool1d"
    ndim = 1
    Attrs = MaxPoolAttrs


@register
class MaxPool2d(_PoolNd):
    """2-D max pooling over N×C×H×W (torch.nn.MaxPool2d)."""

    name = "maxpool2d"
    ndim = 2
    Attrs = MaxPoolAttrs


@register
class AvgPool1d(_PoolNd):
    """1-D average pooling over N×C×L (torch.nn.AvgPool1d)."""

    name = "avgpool1d"
    ndim = 1
    Attrs = AvgPoolAttrs


@register
class AvgPool2d(_PoolNd):
    """2-D average pooling over N×C×H×W (torch.nn.AvgPool2d)."""

    name = "avgpool2d"
    ndim = 2
    Attrs = AvgPoolAttrs


class AdaptiveAttrs(OpAttrs):
    size: Int | list[Int | None] = Field(description="output size; an int, or one per axis (null keeps the input size)")

    @model_validator(mode="after")
    def _positive(self) -> AdaptiveAttrs:
        values = [self.size] if isinstance(self.size, int) else self.size
        if any(v is not None and v < 1 for v in values):
            raise ValueError("size must be at least 1")
        return self


def adaptive_reads(size: int, out: int) -> int:
    """Input elements PyTorch's adaptive pooling reads along one axis: window i is
    [floor(i·n/o), ceil((i+1)·n/o)), and the lengths sum to n + o − gcd(n, o) (closed form,
    so the work is O(1) for any size)."""
    return size + out - gcd(size, out)


def adaptive_window(size: int, out: int) -> Window:
    """Unit v reads [floor(v·r), ceil((v+1)·r) − 1], r = in/out = p/q: exactly the integers of
    [v·r − 1 + 1/q, v·r + r − 1/q], because v·r is a multiple of 1/q."""
    step = Fraction(size, out)
    grain = Fraction(1, step.denominator)
    return Window(step + 2 - 2 * grain, step, 1 - grain)


class _AdaptivePoolNd(Op):
    family = Family.POOL
    Attrs = AdaptiveAttrs
    shape_formula = "N×C×L… → N×C×size… (a null size keeps that axis)"
    ndim: ClassVar[int]
    mac_formula = "0"
    flop_formula = "N·C·prod over axes of Σ window lengths (each window element compared or added once)"

    def out_size(self, a: AdaptiveAttrs, x: TensorType) -> tuple[int, ...]:
        size = a.size if isinstance(a.size, int) else tuple(a.size)
        wanted = tuple_n(size, self.ndim, "size")  # type: ignore[arg-type]
        return tuple(n if s is None else s for s, n in zip(wanted, x.spatial, strict=True))

    def infer(self, a: AdaptiveAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        expect_rank(x, self.ndim + 2, f"{self.ndim}-D")
        expect_float(x)
        channels(x)
        spatial_positive(x.spatial, f"{self.name} input")
        return [x.with_shape((*x.shape[:2], *self.out_size(a, x)))]

    def flops(self, a: AdaptiveAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        x = inputs[0]
        reads = prod(adaptive_reads(n, o) for n, o in zip(x.spatial, self.out_size(a, x), strict=True))
        return x.numel() // prod(x.spatial) * reads

    def receptive(self, a: AdaptiveAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        """GLOBAL for a 1×…×1 output; otherwise exact windows, see `adaptive_window`."""
        x = inputs[0]
        out = self.out_size(a, x)
        if all(o == 1 for o in out):
            return Receptive.GLOBAL
        return tuple(adaptive_window(n, o) for n, o in zip(x.spatial, out, strict=True))


@register
class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Average pooling to a fixed length (torch.nn.AdaptiveAvgPool1d)."""

    name = "adaptive_avgpool1d"
    ndim = 1


@register
class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average pooling to a fixed H×W; size 1 is global average pooling (torch.nn.AdaptiveAvgPool2d)."""

    name = "adaptive_avgpool2d"
    ndim = 2


@register
class AdaptiveMaxPool2d(_AdaptivePoolNd):
    """Max pooling to a fixed H×W (torch.nn.AdaptiveMaxPool2d)."""

    name = "adaptive_maxpool2d"
    ndim = 2
