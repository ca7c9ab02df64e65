"""Convolutions: conv1d, conv2d, conv_transpose2d."""

from __future__ import annotations

from typing import Any

from archdsl.backends.onnx.table import Emitter, Site, weight_operands
from archdsl.ops import OPS


def _geometry(site: Site) -> dict[str, Any]:
    """kernel_shape, strides, dilations and pads (begins, then ends) as ONNX attributes."""
    kernel, stride, dilation, padding = OPS[site.node.op].geometry(site.attrs)  # type: ignore[attr-defined]
    ends = list(padding)
    if site.attrs.padding == "same":
        # PyTorch puts the odd extra row of 'same' padding at the end, as ONNX's SAME_UPPER.
        ends = [d * (k - 1) - p for k, d, p in zip(kernel, dilation, padding, strict=True)]
    return {"kernel_shape": list(kernel), "strides": list(stride), "dilations": list(dilation),
            "pads": [*padding, *ends], "group": site.attrs.groups}


def _conv(site: Site, x: list[str]) -> list[str]:
    return [site.op("Conv", *weight_operands(site, x), **_geometry(site))]




def conv_transpose2d(site: Site, x: list[str]) -> list[str]:
    extra = site.attrs.output_padding
    output_padding = [extra] * 2 if isinstance(extra, int) else list(extra)
    return [site.op("ConvTranspose", *weight_operands(site, x), output_padding=output_padding, **_geometry(site))]


TABLE: dict[str, Emitter] = {
    "conv1d": Emitter(_conv),
    "conv2d": Emitter(_conv),
    "conv_transpose2d": Emitter(conv_transpose2d),
}
