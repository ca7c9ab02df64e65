"""Shape ops: views, selections, splits, resampling, padding and cropping."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import fx

from archdsl.backends.torch.runtime import IndexSelect
from archdsl.backends.torch.table import Entry, Make, Site, size
from archdsl.ops import OPS


def identity(site: Site, x: list[fx.Node]) -> fx.Node:
    return x[0]


def flatten(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(torch.flatten, *x, site.attrs.start_dim, site.attrs.end_dim)


def reshape(site: Site, x: list[fx.Node]) -> fx.Node:
    """Axis 0 (the batch) is kept as it comes, so any batch size runs."""
    batch = site.method("size", x[0], 0, suffix="batch")
    return site.method("reshape", x[0], batch, *site.attrs.shape)


def permute(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.method("permute", x[0], *site.attrs.dims)


def select(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(torch.select, *x, site.attrs.dim, site.attrs.index)


def split(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(torch.split, *x, list(site.attrs.sizes), site.attrs.dim)


def chunk(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(torch.chunk, *x, site.attrs.chunks, site.attrs.dim)


def index_select(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(Make(IndexSelect, {"dim": site.attrs.dim, "index": list(site.attrs.index)}), *x)


def crop(site: Site, x: list[fx.Node]) -> fx.Node:
    """One torch.narrow per cropped spatial axis (views, no copy)."""
    windows = OPS["crop"].windows(site.attrs, site.inputs[0])  # type: ignore[attr-defined]
    result = x[0]
    cropped = [(axis, o, s) for axis, (o, s) in enumerate(windows, start=2) if (o, s) != (0, site.inputs[0].shape[axis])]
    for i, (axis, offset, length) in enumerate(cropped):
        result = site.call(torch.narrow, result, axis, offset, length, suffix="" if i == len(cropped) - 1 else f"axis{axis}")
    return result


def channel_shuffle(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(F.channel_shuffle, *x, site.attrs.groups)


def upsample(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    kwargs: dict[str, Any] = {"size": size(a.size)} if a.size is not None else {"scale_factor": size(a.scale)}
    kwargs["mode"] = a.mode
    if a.mode == "bilinear":
        kwargs["align_corners"] = bool(a.align_corners)
    return site.call(F.interpolate, *x, **kwargs)


def pad(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    kwargs: dict[str, Any] = {"mode": a.mode}
    if a.mode == "constant":
        kwargs["value"] = a.value
    return site.call(F.pad, *x, list(a.pads), **kwargs)


TABLE: dict[str, Entry] = {
    "identity": Entry(identity),
    "flatten": Entry(flatten),
    "reshape": Entry(reshape),
    "permute": Entry(permute),
    "select": Entry(select),
    "index_select": Entry(index_select),
    "split": Entry(split),
    "chunk": Entry(chunk),
    "channel_shuffle": Entry(channel_shuffle),
    "upsample": Entry(upsample),
    "pad": Entry(pad),
    "crop": Entry(crop),
}
