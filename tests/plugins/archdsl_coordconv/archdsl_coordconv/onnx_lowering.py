"""ONNX emitters, registered through the ONNX backend's table (`emits`)."""

from __future__ import annotations

import numpy as np

from archdsl.backends.onnx.dtypes import numpy_dtype
from archdsl.backends.onnx.table import Site, emits
from archdsl.ops.base import tuple_n


def coordinates(height: int, width: int, with_r: bool, dtype: np.dtype) -> np.ndarray:
    """The appended channels, 1 × (2 or 3) × H × W: y, x (linspace(-1, 1)) and r."""
    y, x = np.meshgrid(np.linspace(-1.0, 1.0, height), np.linspace(-1.0, 1.0, width), indexing="ij")
    planes = [y, x, np.sqrt(y * y + x * x)] if with_r else [y, x]
    return np.stack(planes)[None].astype(dtype)


def _operands(site: Site, joined: str) -> list[str]:
    found = [joined, site.weight("weight")]
    if site.has_weight("bias"):
        found.append(site.weight("bias"))
    return found


@emits("coordconv")
def coordconv(site: Site, x: list[str]) -> list[str]:
    """Expand a constant coordinate grid to the (dynamic) batch, concatenate, convolve."""
    a = site.attrs
    _, _, height, width = site.inputs[0].shape
    grid = coordinates(int(height), int(width), a.with_r, numpy_dtype(site.inputs[0].dtype))
    batch = site.op("Shape", x[0], start=0, end=1, suffix="batch")
    shape = site.op("Concat", batch, site.const(np.array(grid.shape[1:], dtype=np.int64), "grid_dims"), axis=0,
                    suffix="grid_shape")
    coords = site.op("Expand", site.const(grid, "grid"), shape, suffix="coords")
    joined = site.op("Concat", x[0], coords, axis=1, suffix="with_coords")
    padding = list(tuple_n(a.padding, 2))
    return [site.op("Conv", *_operands(site, joined), kernel_shape=list(tuple_n(a.kernel, 2)),
                    strides=list(tuple_n(a.stride, 2)), dilations=list(tuple_n(a.dilation, 2)), pads=padding * 2)]


@emits("squeeze_excite")
def squeeze_excite(site: Site, x: list[str]) -> list[str]:
    pooled = site.op("GlobalAveragePool", x[0], suffix="pool")
    hidden = site.op("Relu", site.op("Conv", pooled, site.weight("fc1.weight"), site.weight("fc1.bias"),
                                     kernel_shape=[1, 1], suffix="fc1"), suffix="relu")
    gate = site.op("Sigmoid", site.op("Conv", hidden, site.weight("fc2.weight"), site.weight("fc2.bias"),
                                      kernel_shape=[1, 1], suffix="fc2"), suffix="gate")
    return [site.op("Mul", x[0], gate)]
