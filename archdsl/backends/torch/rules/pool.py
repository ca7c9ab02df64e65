"""Pooling: calls of torch.nn.functional's max, average and adaptive pools (no module)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch.nn.functional as F
from torch import fx

from archdsl.backends.torch.table import Entry, Rule, Site, size


def _window(site: Site) -> dict[str, Any]:
    a = site.attrs
    found = {"kernel_size": size(a.kernel)}
    if a.stride is not None:
        found["stride"] = size(a.stride)
    return {**found, "padding": size(a.padding)}


def _maxpool(fn: Callable[..., Any]) -> Rule:
    def rule(site: Site, x: list[fx.Node]) -> fx.Node:
        a = site.attrs
        return site.call(fn, *x, **_window(site), dilation=size(a.dilation), ceil_mode=a.ceil_mode)

    return rule


def _avgpool(fn: Callable[..., Any]) -> Rule:
    def rule(site: Site, x: list[fx.Node]) -> fx.Node:
        a = site.attrs
        return site.call(fn, *x, **_window(site), ceil_mode=a.ceil_mode, count_include_pad=a.count_include_pad)

    return rule


def _adaptive(fn: Callable[..., Any]) -> Rule:
    def rule(site: Site, x: list[fx.Node]) -> fx.Node:
        return site.call(fn, *x, size(site.attrs.size))

    return rule


TABLE: dict[str, Entry] = {
    "maxpool1d": Entry(_maxpool(F.max_pool1d)),
    "maxpool2d": Entry(_maxpool(F.max_pool2d)),
    "avgpool1d": Entry(_avgpool(F.avg_pool1d)),
    "avgpool2d": Entry(_avgpool(F.avg_pool2d)),
    "adaptive_avgpool1d": Entry(_adaptive(F.adaptive_avg_pool1d)),
    "adaptive_avgpool2d": Entry(_adaptive(F.adaptive_avg_pool2d)),
    "adaptive_maxpool2d": Entry(_adaptive(F.adaptive_max_pool2d)),
}
