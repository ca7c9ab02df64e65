"""Stateless ops: activations, joins, pooling and local response norm, lowered to calls
of torch functions (no module, nothing in the state_dict)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx

from backends.torch.runtime import DropPathMean
from backends.torch.table import Make, Site, lowers

ELEMENTWISE: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "relu": (F.relu, ()),
    "relu6": (F.relu6, ()),
    "leaky_relu": (F.leaky_relu, ("negative_slope",)),
    "elu": (F.elu, ("alpha",)),
    "gelu": (F.gelu, ("approximate",)),
    "silu": (F.silu, ()),
    "hardswish": (F.hardswish, ()),
    "hardsigmoid": (F.hardsigmoid, ()),
    "sigmoid": (torch.sigmoid, ()),
    "tanh": (torch.tanh, ()),
    "softmax": (F.softmax, ("dim",)),
    "log_softmax": (F.log_softmax, ("dim",)),
}
"""Op → (function, attributes passed by keyword). `inplace=True` is added where the op runs in place."""

def _elementwise(fn: Callable[..., Any], keys: tuple[str, ...]) -> Callable[[Site, list[fx.Node]], fx.Node]:
    def rule(site: Site, x: list[fx.Node]) -> fx.Node:
        kwargs = {key: getattr(site.attrs, key) for key in keys}
        if site.in_place:
            kwargs["inplace"] = True
        return site.call(fn, *x, **kwargs)

    return rule


for _name, (_fn, _keys) in ELEMENTWISE.items():
    lowers(_name)(_elementwise(_fn, _keys))


def _fold(site: Site, fn: Callable[[Any, Any], Any], x: list[fx.Node]) -> fx.Node:
    """((x0 ∘ x1) ∘ x2) ...; the last partial result carries the node's name."""
    result = x[0]
    for i, item in enumerate(x[1:], start=1):
        result = site.call(fn, result, item, suffix="" if i == len(x) - 1 else f"partial{i}")
    return result


@lowers("add")
def add(site: Site, x: list[fx.Node]) -> fx.Node:
    """`a + b`, or `a += b` where the schedule found that nobody can tell (residual joins)."""
    return _fold(site, operator.iadd if site.in_place else operator.add, x)


@lowers("mul")
def mul(site: Site, x: list[fx.Node]) -> fx.Node:
    return _fold(site, operator.mul, x)


@lowers("mean")
def mean(site: Site, x: list[fx.Node]) -> fx.Node:
    """`torch.stack(xs).mean(0)`; with local drop-path, a DropPathMean module (random in training)."""
    if site.attrs.drop_path > 0:
        return site.module(Make(DropPathMean, {"p": site.attrs.drop_path}), *x)
    return site.method("mean", site.call(torch.stack, list(x), suffix="stack"), 0)


@lowers("concat")
def concat(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(torch.cat, list(x), dim=site.attrs.dim)


def _size(value: int | list[Any] | None) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _window(site: Site) -> dict[str, Any]:
    a = site.attrs
    found = {"kernel_size": _size(a.kernel)}
    if a.stride is not None:
        found["stride"] = _size(a.stride)
    return {**found, "padding": _size(a.padding)}


def _maxpool(fn: Callable[..., Any]) -> Callable[[Site, list[fx.Node]], fx.Node]:
    def rule(site: Site, x: list[fx.Node]) -> fx.Node:
        a = site.attrs
        return site.call(fn, *x, **_window(site), dilation=_size(a.dilation), ceil_mode=a.ceil_mode)

    return rule


def _avgpool(fn: Callable[..., Any]) -> Callable[[Site, list[fx.Node]], fx.Node]:
    def rule(site: Site, x: list[fx.Node]) -> fx.Node:
        a = site.attrs
        return site.call(fn, *x, **_window(site), ceil_mode=a.ceil_mode, count_include_pad=a.count_include_pad)

    return rule


def _adaptive(fn: Callable[..., Any]) -> Callable[[Site, list[fx.Node]], fx.Node]:
    def rule(site: Site, x: list[fx.Node]) -> fx.Node:
        return site.call(fn, *x, _size(site.attrs.size))

    return rule


lowers("maxpool1d")(_maxpool(F.max_pool1d))
lowers("maxpool2d")(_maxpool(F.max_pool2d))
lowers("avgpool1d")(_avgpool(F.avg_pool1d))
lowers("avgpool2d")(_avgpool(F.avg_pool2d))
lowers("adaptive_avgpool1d")(_adaptive(F.adaptive_avg_pool1d))
lowers("adaptive_avgpool2d")(_adaptive(F.adaptive_avg_pool2d))
lowers("adaptive_maxpool2d")(_adaptive(F.adaptive_max_pool2d))


@lowers("local_response_norm")
def local_response_norm(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    return site.call(F.local_response_norm, *x, size=a.size, alpha=a.alpha, beta=a.beta, k=a.k)
