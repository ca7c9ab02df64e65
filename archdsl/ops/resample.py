"""Resampling of the spatial axes: upsample (interpolation), pad and crop.

Receptive field of `upsample`. Output unit v reads source position
src(v) = v·r (nearest) or (v + ½)·r − ½ (bilinear; v·r with align_corners),
r being PyTorch's input step per output unit: 1/scale when `scale` is given,
in/out when `size` is (align_corners: (in−1)/(out−1)); nearest maps out = 2·in
with step ½ whatever the scale, as PyTorch does. With r = p/q in lowest
terms, src is a multiple of a grain g (1/q; bilinear half-pixel: 1/(2q) unless
p and q are both odd). Like PyTorch, an axis whose size does not change is
copied (step 1) in every mode. Nearest reads floor(src): the integers in
[src − 1 + g, src], i.e. Window(kernel 2 − g, stride r, padding 1 − g).
Bilinear reads the integers strictly within 1 of src: [src − 1 + g, src + 1 − g].
For an integer factor f these are exactly Window.transposed(f, f, 0) (nearest)
and Window.transposed(2f − f%2, f, ⌈(f−1)/2⌉) (bilinear). For a non-integer
scale the window is exact in rational arithmetic; PyTorch computes src in
float32, so a unit whose src is an exact integer may read its neighbour too.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import floor, isfinite
from typing import Annotated, Literal

from pydantic import Field, model_validator

from archdsl.errors import ShapeError
from archdsl.ops.base import (
    Bool,
    Family,
    Float,
    Int,
    Op,
    OpAttrs,
    ReceptiveStep,
    Window,
    as_list,
    expect_float,
    register,
    spatial_positive,
)
from archdsl.tensors import BATCH, TensorType, shape_text

Scale = Annotated[Float, Field(gt=0)]


def per_axis(value: float | int | Sequence[float | int], n: int, what: str) -> tuple[float | int, ...]:
    """One value per spatial axis from a scalar or a list of length n."""
    items = tuple(value) if isinstance(value, (list, tuple)) else (value,) * n
    if len(items) != n:
        raise ShapeError(f"{what} has {len(items)} entries for {n} spatial axes")
    return items


class UpsampleAttrs(OpAttrs):
    scale: Scale | list[Scale] | None = Field(None, description="factor per spatial axis")
    size: Int | list[Int] | None = Field(None, description="output spatial size")
    mode: Literal["nearest", "bilinear"] = "nearest"
    align_corners: Bool | None = Field(None, description="bilinear only; default false")

    @model_validator(mode="after")
    def _consistent(self) -> UpsampleAttrs:
        if (self.scale is None) == (self.size is None):
            raise ValueError("give exactly one of scale and size")
        if self.size is not None and any(s < 1 for s in as_list(self.size)):
            raise ValueError("size must be at least 1")
        if self.align_corners is not None and self.mode != "bilinear":
            raise ValueError("align_corners is only allowed with mode: bilinear")
        return self


def source_step(a: UpsampleAttrs, n: int, out: int, scale: float | None) -> Fraction:
    """PyTorch's input step per output unit along one axis (see the module docstring)."""
    if out == n or a.mode == "nearest" and out == 2 * n:
        return Fraction(n, out)
    if a.align_corners:
        return Fraction(n - 1, out - 1) if out > 1 else Fraction(1)
    return 1 / Fraction(str(scale)) if scale is not None else Fraction(n, out)


def interpolation_window(a: UpsampleAttrs, r: Fraction) -> Window:
    """The input interval read by output unit v, as a Window (see the module docstring)."""
    grain = Fraction(1, r.denominator)
    if a.mode == "nearest":
        return Window(2 - grain, r, 1 - grain)
    if a.align_corners:
        return Window(3 - 2 * grain, r, 1 - grain)
    if r.numerator % 2 == 0 or r.denominator % 2 == 0:
        grain /= 2
    return Window(3 - 2 * grain, r, Fraction(3, 2) - r / 2 - grain)


@register
class Upsample(Op):
    """Nearest or bilinear resizing by a scale or to a size (torch.nn.Upsample); receptive field in the module docstring."""

    name = "upsample"
    shape_formula = "N×C×L… → N×C×size…, or N×C×⌊L·scale⌋…"
    family = Family.SHAPE
    Attrs = UpsampleAttrs
    flop_formula = "out_numel × (1 nearest; 7 bilinear: four weights, three blends per axis pair)"

    def scales(self, a: UpsampleAttrs, n: int) -> tuple[float | None, ...]:
        return per_axis(a.scale, n, "scale") if a.scale is not None else (None,) * n

    def infer(self, a: UpsampleAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        expect_float(x)
        n = x.rank - 2
        if a.mode == "bilinear" and n != 2 or not 1 <= n <= 3:
            raise ShapeError(
                f"upsample ({a.mode}) expects an N×C×{'H×W' if a.mode == 'bilinear' else 'spatial'} input, got {shape_text(x.shape)}"
            )
        if a.size is not None:
            size = tuple(int(s) for s in per_axis(a.size, n, "size"))
        else:
            scaled = [float(d) * s for d, s in zip(x.spatial, self.scales(a, n), strict=True)]  # type: ignore[operator]
            if not all(map(isfinite, scaled)):
                raise ShapeError(f"scale {a.scale} makes an infinite size from {shape_text(x.shape)}", attr="scale")
            size = tuple(map(floor, scaled))
        spatial_positive(size, self.name)
        return [x.with_shape((*x.shape[:2], *size))]

    def flops(self, a: UpsampleAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return outputs[0].numel() * (7 if a.mode == "bilinear" else 1)

    def receptive(self, a: UpsampleAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        x, y = inputs[0], outputs[0]
        steps = zip(x.spatial, y.spatial, self.scales(a, x.rank - 2), strict=True)
        return tuple(interpolation_window(a, source_step(a, *step)) for step in steps)


class PadAttrs(OpAttrs):
    pads: list[Int] = Field(description="[left, right, top, bottom, ...]: last axis first, as torch.nn.functional.pad")
    mode: Literal["constant", "reflect", "replicate", "circular"] = "constant"
    value: Float = 0.0

    @model_validator(mode="after")
    def _consistent(self) -> PadAttrs:
        if not self.pads or len(self.pads) % 2:
            raise ValueError("pads needs an even number of entries, two per padded axis")
        if self.mode != "constant" and (self.value != 0 or min(self.pads) < 0):
            raise ValueError(f"mode {self.mode} takes no value and no negative (cropping) pads")
        return self


@register
class Pad(Op):
    """Pads (or, with negative constant pads, crops) trailing axes (torch.nn.functional.pad)."""

    name = "pad"
    shape_formula = "each padded axis grows by its two pads (negative constant pads crop)"
    family = Family.SHAPE
    Attrs = PadAttrs

    def pairs(self, a: PadAttrs, x: TensorType) -> list[tuple[int, int]]:
        """(before, after) for every axis, batch first."""
        k = len(a.pads) // 2
        if k > x.rank:
            raise ShapeError(f"pad: {len(a.pads)} pads name {k} axes, but {shape_text(x.shape)} has {x.rank}")
        if a.mode != "constant" and (k > 3 or x.rank not in (k + 1, k + 2)):
            raise ShapeError(
                f"pad mode {a.mode} pads the last k = 1, 2 or 3 axes of a rank-(k+1) or rank-(k+2) input; "
                f"{k} axes of {shape_text(x.shape)} is not supported by PyTorch"
            )
        given = [(a.pads[2 * i], a.pads[2 * i + 1]) for i in range(k)][::-1]
        pairs = [(0, 0)] * (x.rank - k) + given
        if any(d == BATCH and pair != (0, 0) for d, pair in zip(x.shape, pairs, strict=True)):
            raise ShapeError(f"pad may not pad the batch axis of {shape_text(x.shape)}")
        return pairs

    def check_axis(self, a: PadAttrs, size: int, before: int, after: int) -> None:
        limit = {"reflect": size - 1, "circular": size}.get(a.mode)
        if limit is not None and max(before, after) > limit:
            raise ShapeError(
                f"pad mode {a.mode} allows pads up to {limit} on an axis of size {size}, got ({before}, {after})"
            )
        if size + min(before, 0) + min(after, 0) < 0:
            raise ShapeError(f"pad ({before}, {after}) crops more than the {size} entries of its axis")

    def infer(self, a: PadAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        shape = list(x.shape)
        for i, (before, after) in enumerate(self.pairs(a, x)):
            if before or after:
                self.check_axis(a, int(shape[i]), before, after)
                shape[i] = int(shape[i]) + before + after
                spatial_positive([shape[i]], self.name)
        return [x.with_shape(tuple(shape))]

    def receptive(self, a: PadAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        """Unit v reads input v − before; reflected and replicated borders count as padding."""
        pairs = self.pairs(a, inputs[0])[2:]
        return tuple(Window(1, 1, before) for before, _ in pairs)


class CropAttrs(OpAttrs):
    size: Int | list[Int] = Field(description="output spatial size (int, or one per spatial axis)")
    offset: Int | list[Int] | Literal["center"] = Field(
        "center", description="first kept position per spatial axis; center: (in − size) // 2"
    )

    @model_validator(mode="after")
    def _ranges(self) -> CropAttrs:
        if any(s < 1 for s in as_list(self.size)):
            raise ValueError("size must be at least 1")
        if self.offset != "center" and any(o < 0 for o in as_list(self.offset)):
            raise ValueError("offset must be non-negative")
        return self


@register
class Crop(Op):
    """Keeps a `size` window of the spatial axes at `offset`, centred by default (Caffe's Crop: U-Net's and FCN's skips)."""

    name = "crop"
    shape_formula = "N×C×L… → N×C×size…"
    family = Family.SHAPE
    Attrs = CropAttrs
    view = True

    def windows(self, a: CropAttrs, x: TensorType) -> list[tuple[int, int]]:
        """(offset, size) per spatial axis."""
        if x.rank < 3:
            raise ShapeError(f"crop expects an N×C×spatial input, got {shape_text(x.shape)}")
        n = x.rank - 2
        sizes = [int(s) for s in per_axis(a.size, n, "size")]
        if a.offset == "center":
            offsets = [(d - s) // 2 for d, s in zip(x.spatial, sizes, strict=True)]
        else:
            offsets = [int(o) for o in per_axis(a.offset, n, "offset")]
        for d, o, s in zip(x.spatial, offsets, sizes, strict=True):
            if o < 0 or o + s > d:
                raise ShapeError(
                    f"crop of size {sizes} at offset {offsets} does not fit in {shape_text(x.shape)}",
                    hint="the window must lie inside the input",
                )
        return list(zip(offsets, sizes, strict=True))

    def infer(self, a: CropAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        return [x.with_shape((*x.shape[:2], *(s for _, s in self.windows(a, x))))]

    def receptive(self, a: CropAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        """Unit v reads input v + offset."""
        return tuple(Window(Fraction(1), Fraction(1), Fraction(-o)) for o, _ in self.windows(a, inputs[0]))
