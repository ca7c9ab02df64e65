"""Convolutions and dense layers: conv1d, conv2d, conv_transpose2d, linear, embedding."""

from __future__ import annotations

from typing import Any

from archdsl.ops import OPS
from backends.onnx.table import Site, emits


def _geometry(site: Site) -> dict[str, Any]:
    """kernel_shape, strides, dilations and pads (begins, then ends) as ONNX attributes."""
    kernel, stride, dilation, padding = OPS[site.node.op].geometry(site.attrs)  # type: ignore[attr-defined]
    ends = list(padding)
    if site.attrs.padding == "same":
        # PyTorch puts the odd extra row of 'same' padding at the end, as ONNX's SAME_UPPER.
        ends = [d * (k - 1) - p for k, d, p in zip(kernel, dilation, padding, strict=True)]
    return {"kernel_shape": list(kernel), "strides": list(stride), "dilations": list(dilation),
            "pads": [*padding, *ends], "group": site.attrs.groups}


def _operands(site: Site, x: list[str]) -> list[str]:
    found = [x[0], site.weight("weight")]
    if site.has_weight("bias"):
        found.append(site.weight("bias"))
    return found


def _conv(site: Site, x: list[str]) -> list[str]:
    return [site.op("Conv", *_operands(site, x), **_geometry(site))]


emits("conv1d")(_conv)
emits("conv2d")(_conv)


@emits("conv_transpose2d")
def conv_transpose2d(site: Site, x: list[str]) -> list[str]:
    extra = site.attrs.output_padding
    output_padding = [extra] * 2 if isinstance(extra, int) else list(extra)
    return [site.op("ConvTranspose", *_operands(site, x), output_padding=output_padding, **_geometry(site))]


@emits("linear")
def linear(site: Site, x: list[str]) -> list[str]:
    """Gemm for N×F; MatMul with the transposed weight (folded by the runtime) above rank 2."""
    if site.inputs[0].rank == 2:
        return [site.op("Gemm", *_operands(site, x), transB=1)]
    weight_t = site.op("Transpose", site.weight("weight"), perm=[1, 0], suffix="weight_t")
    if not site.has_weight("bias"):
        return [site.op("MatMul", x[0], weight_t)]
    return [site.op("Add", site.op("MatMul", x[0], weight_t), site.weight("bias"))]


@emits("embedding")
def embedding(site: Site, x: list[str]) -> list[str]:
    return [site.op("Gather", site.weight("weight"), x[0], axis=0)]
