"""Convolutions: torch.nn.Conv1d, Conv2d and ConvTranspose2d modules under the node's dotted name."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from archdsl.backends.torch.table import Entry, Make, Site, size
from archdsl.ops.base import channels


def _conv(site: Site, cls: type[nn.Module], extra: dict[str, Any]) -> Make:
    a = site.attrs
    padding = a.padding if isinstance(a.padding, str) else size(a.padding)
    return Make(cls, {
        "in_channels": channels(site.inputs[0]), "out_channels": a.out, "kernel_size": size(a.kernel),
        "stride": size(a.stride), "padding": padding, **extra,
        "dilation": size(a.dilation), "groups": a.groups, "bias": a.bias,
    })


def conv1d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_conv(site, nn.Conv1d, {}), *x)


def conv2d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_conv(site, nn.Conv2d, {}), *x)


def conv_transpose2d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_conv(site, nn.ConvTranspose2d, {"output_padding": size(site.attrs.output_padding)}), *x)


TABLE: dict[str, Entry] = {
    "conv1d": Entry(conv1d),
    "conv2d": Entry(conv2d),
    "conv_transpose2d": Entry(conv_transpose2d),
}
