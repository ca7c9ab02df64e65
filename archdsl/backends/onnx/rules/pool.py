"""Pooling: max/average pooling (ceil_mode, count_include_pad) and adaptive pooling.

Adaptive pooling is exact in every case: global pooling for a 1×…×1 output;
a plain pool when PyTorch's windows [⌊i·in/out⌋, ⌈(i+1)·in/out⌉) have one length
and a constant step along every axis; otherwise axis by axis, average pooling as
a product with an averaging matrix and max pooling as a max over each window's slice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from archdsl.backends.onnx.dtypes import numpy_dtype
from archdsl.backends.onnx.table import Emitter, Rule, Site, ints
from archdsl.errors import BackendError
from archdsl.ops import OPS


def _window(site: Site) -> dict[str, Any]:
    kernel, stride, padding, dilation = OPS[site.node.op].geometry(site.attrs)  # type: ignore[attr-defined]
    window = {"kernel_shape": list(kernel), "strides": list(stride), "pads": [*padding, *padding],
              "ceil_mode": int(site.attrs.ceil_mode)}
    sizes, outs = site.inputs[0].spatial, site.outputs[0].spatial
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    if site.attrs.ceil_mode and any(
        -(-(n + 2 * p - e) // s) + 1 != o for n, p, e, s, o in zip(sizes, padding, spans, stride, outs, strict=True)
    ):
        # PyTorch drops a last window that would start in the right padding; ONNX's ceil_mode
        # keeps it. Floor mode with the end padding that makes exactly PyTorch's windows agrees.
        ends = [max(0, (o - 1) * s + e - n - p) for n, p, e, s, o in zip(sizes, padding, spans, stride, outs, strict=True)]
        if getattr(site.attrs, "count_include_pad", False) and any(end > p for end, p in zip(ends, padding, strict=True)):
            raise BackendError(
                "ONNX cannot express this average pool: with ceil_mode and count_include_pad, PyTorch divides its "
                "last window by the part inside the padding, and ONNX would count the extra padding too",
                site.node.span, site.node.name, hint="set count_include_pad: false, or ceil_mode: false with more padding")
        window.update(pads=[*padding, *ends], ceil_mode=0)
    return window


def _maxpool(site: Site, x: list[str]) -> list[str]:
    dilation = OPS[site.node.op].geometry(site.attrs)[3]  # type: ignore[attr-defined]
    return [site.op("MaxPool", x[0], dilations=list(dilation), **_window(site))]


def _avgpool(site: Site, x: list[str]) -> list[str]:
    return [site.op("AveragePool", x[0], count_include_pad=int(site.attrs.count_include_pad), **_window(site))]




def windows(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive windows along one axis: [start, end) per output position."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def uniform(size: int, out: int) -> tuple[int, int] | None:
    """(kernel, stride) when every window has one length and they start at a constant step."""
    found = windows(size, out)
    kernel = found[0][1] - found[0][0]
    stride = found[1][0] - found[0][0] if out > 1 else 1
    if stride >= 1 and all(end - start == kernel and start == i * stride for i, (start, end) in enumerate(found)):
        return kernel, stride
    return None


def _adaptive(kind: str) -> Rule:
    def rule(site: Site, x: list[str]) -> list[str]:
        sizes, outs = site.inputs[0].spatial, site.outputs[0].spatial
        if all(o == 1 for o in outs):
            return [site.op(f"Global{kind}Pool", x[0])]
        steps = [uniform(n, o) for n, o in zip(sizes, outs, strict=True)]
        if all(step is not None for step in steps):
            kernel = [step[0] for step in steps]  # type: ignore[index]
            stride = [step[1] for step in steps]  # type: ignore[index]
            return [site.op(f"{kind}Pool", x[0], kernel_shape=kernel, strides=stride)]
        per_axis = _average_axis if kind == "Average" else _max_axis
        value = x[0]
        for axis, (n, o) in enumerate(zip(sizes, outs, strict=True), start=2):
            if n != o:
                value = per_axis(site, value, axis, n, o)
        return [value]

    return rule


def _average_axis(site: Site, x: str, axis: int, size: int, out: int) -> str:
    """Average along `axis` as a product with the out×size matrix M of window means:
    x·Mᵀ along the last axis, M·x along the one before (1-D and 2-D pooling have no other)."""
    matrix = np.zeros((out, size), dtype=numpy_dtype(site.inputs[0].dtype))
    for i, (start, end) in enumerate(windows(size, out)):
        matrix[i, start:end] = 1 / (end - start)
    if axis == site.inputs[0].rank - 1:
        return site.op("MatMul", x, site.const(matrix.T.copy(), f"axis{axis}_means"), suffix=f"axis{axis}")
    return site.op("MatMul", site.const(matrix, f"axis{axis}_means"), x, suffix=f"axis{axis}")


def _max_axis(site: Site, x: str, axis: int, size: int, out: int) -> str:
    """Max along `axis`: each window sliced out and reduced, then concatenated."""
    axes = ints(site, [axis], f"axis{axis}")
    pieces = []
    for i, (start, end) in enumerate(windows(size, out)):
        piece = site.op("Slice", x, ints(site, [start], f"axis{axis}_start{i}"), ints(site, [end], f"axis{axis}_end{i}"),
                        axes, suffix=f"axis{axis}_window{i}")
        pieces.append(site.op("ReduceMax", piece, axes, keepdims=1, suffix=f"axis{axis}_max{i}"))
    return site.op("Concat", *pieces, axis=axis, suffix=f"axis{axis}")


TABLE: dict[str, Emitter] = {
    "maxpool1d": Emitter(_maxpool),
    "maxpool2d": Emitter(_maxpool),
    "avgpool1d": Emitter(_avgpool),
    "avgpool2d": Emitter(_avgpool),
    "adaptive_avgpool1d": Emitter(_adaptive("Average")),
    "adaptive_avgpool2d": Emitter(_adaptive("Average")),
    "adaptive_maxpool2d": Emitter(_adaptive("Max")),
}
