"""Graph inputs and shape ops: placeholders, views, splits, resampling and padding."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import fx

from archdsl.ops import OPS
from backends.torch.runtime import IndexSelect
from backends.torch.table import Make, Site, lowers


@lowers("input")
def input_(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.placeholder()


@lowers("identity")
def identity(site: Site, x: list[fx.Node]) -> fx.Node:
    return x[0]


@lowers("flatten")
def flatten(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(torch.flatten, *x, site.attrs.start_dim, site.attrs.end_dim)


@lowers("reshape")
def reshape(site: Site, x: list[fx.Node]) -> fx.Node:
    """Axis 0 (the batch) is kept as it comes, so any batch size runs."""
    batch = site.method("size", x[0], 0, suffix="batch")
    return site.method("reshape", x[0], batch, *site.attrs.shape)


@lowers("permute")
def permute(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.method("permute", x[0], *site.attrs.dims)


@lowers("select")
def select(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(torch.select, *x, site.attrs.dim, site.attrs.index)


@lowers("split")
def split(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(torch.split, *x, list(site.attrs.sizes), site.attrs.dim)


@lowers("chunk")
def chunk(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(torch.chunk, *x, site.attrs.chunks, site.attrs.dim)


@lowers("index_select")
def index_select(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(Make(IndexSelect, {"dim": site.attrs.dim, "index": list(site.attrs.index)}), *x)


@lowers("crop")
def crop(site: Site, x: list[fx.Node]) -> fx.Node:
    """One torch.narrow per cropped spatial axis (views, no copy)."""
    windows = OPS["crop"].windows(site.attrs, site.inputs[0])  # type: ignore[attr-defined]
    result = x[0]
    cropped = [(axis, o, s) for axis, (o, s) in enumerate(windows, start=2) if (o, s) != (0, site.inputs[0].shape[axis])]
    for i, (axis, offset, length) in enumerate(cropped):
        result = site.call(torch.narrow, result, axis, offset, length, suffix="" if i == len(cropped) - 1 else f"axis{axis}")
    return result


@lowers("channel_shuffle")
def channel_shuffle(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(F.channel_shuffle, *x, site.attrs.groups)


def _per_axis(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@lowers("upsample")
def upsample(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    kwargs: dict[str, Any] = {"size": _per_axis(a.size)} if a.size is not None else {"scale_factor": _per_axis(a.scale)}
    kwargs["mode"] = a.mode
    if a.mode == "bilinear":
        kwargs["align_corners"] = bool(a.align_corners)
    return site.call(F.interpolate, *x, **kwargs)


@lowers("pad")
def pad(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    kwargs: dict[str, Any] = {"mode": a.mode}
    if a.mode == "constant":
        kwargs["value"] = a.value
    return site.call(F.pad, *x, list(a.pads), **kwargs)
