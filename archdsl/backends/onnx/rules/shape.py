"""Shape ops: identity, flatten, reshape, permute, select, index_select, split, chunk,
channel_shuffle; resampling: upsample (Resize), pad (Pad), crop (Slice)."""

from __future__ import annotations

import numpy as np

from archdsl.backends.onnx.table import Emitter, Site, ints, reshape, scalar
from archdsl.ops import OPS
from archdsl.ops.base import axis, channels
from archdsl.tensors import TensorType


def identity(site: Site, x: list[str]) -> list[str]:
    return [site.op("Identity", x[0])]


def _reshaped(site: Site, x: list[str]) -> list[str]:
    return [reshape(site, x[0], site.inputs[0], site.outputs[0], suffix="Reshape")]




def permute(site: Site, x: list[str]) -> list[str]:
    rank = site.inputs[0].rank
    return [site.op("Transpose", x[0], perm=[axis(d, rank) for d in site.attrs.dims])]


def select(site: Site, x: list[str]) -> list[str]:
    """Gather with a 0-d index drops the axis, as torch.select does."""
    index = site.const(np.array(site.attrs.index, dtype=np.int64), "index")
    return [site.op("Gather", x[0], index, axis=axis(site.attrs.dim, site.inputs[0].rank))]


def index_select(site: Site, x: list[str]) -> list[str]:
    """Gather with a 1-D index keeps the axis, as torch.index_select does."""
    index = site.const(np.array(site.attrs.index, dtype=np.int64), "index")
    return [site.op("Gather", x[0], index, axis=axis(site.attrs.dim, site.inputs[0].rank))]


def _pieces(site: Site, x: list[str]) -> list[str]:
    d = axis(site.attrs.dim, site.inputs[0].rank)
    sizes = [int(out.shape[d]) for out in site.outputs]
    if len(sizes) == 1:
        return [site.op("Identity", x[0])]
    return site.op("Split", x[0], ints(site, sizes, "sizes"), axis=d, outputs=len(sizes))




def channel_shuffle(site: Site, x: list[str]) -> list[str]:
    """N×C×… → N×g×C/g×… → swap the two channel axes → N×C×…"""
    x_type = site.inputs[0]
    g = site.attrs.groups
    spatial = list(x_type.shape[2:])
    grouped = TensorType((x_type.shape[0], g, channels(x_type) // g, *spatial), x_type.dtype)
    split = reshape(site, x[0], x_type, grouped, suffix="grouped")
    perm = [0, 2, 1, *range(3, grouped.rank)]
    swapped = site.op("Transpose", split, perm=perm, suffix="swapped")
    swapped_type = TensorType(tuple(grouped.shape[p] for p in perm), x_type.dtype)
    return [reshape(site, swapped, swapped_type, x_type, suffix="Reshape")]


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


def pad(site: Site, x: list[str]) -> list[str]:
    """Pad's `wrap` mode (PyTorch's circular) exists from opset 19."""
    a = site.attrs
    pairs = OPS["pad"].pairs(a, site.inputs[0])  # type: ignore[attr-defined]
    pads = ints(site, [before for before, _ in pairs] + [after for _, after in pairs], "pads")
    if a.mode != "constant":
        return [site.op("Pad", x[0], pads, mode=PAD_MODES[a.mode])]
    return [site.op("Pad", x[0], pads, scalar(site, a.value, "value"), mode="constant")]


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


TABLE: dict[str, Emitter] = {
    "identity": Emitter(identity),
    "flatten": Emitter(_reshaped),
    "reshape": Emitter(_reshaped),
    "permute": Emitter(permute),
    "select": Emitter(select),
    "index_select": Emitter(index_select),
    "split": Emitter(_pieces),
    "chunk": Emitter(_pieces),
    "channel_shuffle": Emitter(channel_shuffle),
    "upsample": Emitter(upsample),
    "pad": Emitter(pad, since=_pad_since),
    "crop": Emitter(crop),
}
