"""Resampling: upsample (Resize) and pad (Pad)."""

from __future__ import annotations

import numpy as np

from archdsl.ops import OPS
from backends.onnx.rules.common import ints, scalar
from backends.onnx.table import Site, emits

PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _scales(site: Site) -> list[float] | None:
    """Resize scales reproducing PyTorch's source coordinates, or None to give sizes instead.

    PyTorch maps output unit v to v·(1/scale) when given a scale (in/out when given a size),
    copies an axis whose size does not change, and takes v//2 in nearest mode when the
    size doubles; the scale 1 or 2 gives ONNX the same mapping on those axes."""
    a = site.attrs
    if a.scale is None:
        return None
    given = [a.scale] * len(site.inputs[0].spatial) if isinstance(a.scale, (int, float)) else list(a.scale)
    found = []
    for n, out, s in zip(site.inputs[0].spatial, site.outputs[0].spatial, given, strict=True):
        if out == n:
            s = 1.0
        elif a.mode == "nearest" and out == 2 * n:
            s = 2.0
        found.append(float(s))
    return found


@emits("upsample")
def upsample(site: Site, x: list[str]) -> list[str]:
    a = site.attrs
    rank = site.inputs[0].rank
    if a.mode == "nearest":
        mode = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    else:
        transform = "align_corners" if a.align_corners else "half_pixel"
        mode = {"mode": "linear", "coordinate_transformation_mode": transform}
    scales = _scales(site)
    if scales is None:
        sizes = [int(d) for d in site.outputs[0].spatial]
        operands = [x[0], "", "", ints(site, sizes, "sizes")]
    else:
        operands = [x[0], "", site.const(np.array(scales, dtype=np.float32), "scales")]
    return [site.op("Resize", *operands, axes=list(range(2, rank)), **mode)]


def _pad_since(attrs: object) -> int:
    return 19 if getattr(attrs, "mode", None) == "circular" else 18


@emits("pad", since=_pad_since)
def pad(site: Site, x: list[str]) -> list[str]:
    """Pad's `wrap` mode (PyTorch's circular) exists from opset 19."""
    a = site.attrs
    pairs = OPS["pad"].pairs(a, site.inputs[0])  # type: ignore[attr-defined]
    pads = ints(site, [before for before, _ in pairs] + [after for _, after in pairs], "pads")
    if a.mode != "constant":
        return [site.op("Pad", x[0], pads, mode=PAD_MODES[a.mode])]
    return [site.op("Pad", x[0], pads, scalar(site, a.value, "value"), mode="constant")]


@emits("crop")
def crop(site: Site, x: list[str]) -> list[str]:
    """One Slice over the spatial axes (an uncropped input passes through as an Identity)."""
    windows = OPS["crop"].windows(site.attrs, site.inputs[0])  # type: ignore[attr-defined]
    spatial = site.inputs[0].spatial
    cut = [(axis, o, s) for axis, ((o, s), n) in enumerate(zip(windows, spatial, strict=True), start=2) if (o, s) != (0, n)]
    if not cut:
        return [site.op("Identity", x[0])]
    starts = ints(site, [o for _, o, _ in cut], "starts")
    ends = ints(site, [o + s for _, o, s in cut], "ends")
    return [site.op("Slice", x[0], starts, ends, ints(site, [axis for axis, _, _ in cut], "axes"))]
