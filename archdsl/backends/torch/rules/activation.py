"""Activations and (log-)softmax: calls of torch functions, and PReLU's module (its slope is a weight)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from archdsl.backends.torch.table import Entry, Make, Rule, Site
from archdsl.ops.base import channels


def _call(fn: Callable[..., Any], *keys: str) -> Rule:
    """`fn(x, **{key: attrs.key})`, with `inplace=True` where the op runs in place."""
    def rule(site: Site, x: list[fx.Node]) -> fx.Node:
        kwargs = {key: getattr(site.attrs, key) for key in keys}
        if site.in_place:
            kwargs["inplace"] = True
        return site.call(fn, *x, **kwargs)

    return rule


def prelu(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    count = channels(site.inputs[0]) if a.num_parameters == "channels" else 1
    return site.module(Make(nn.PReLU, {"num_parameters": count, "init": a.init}), *x)


TABLE: dict[str, Entry] = {
    "relu": Entry(_call(F.relu)),
    "relu6": Entry(_call(F.relu6)),
    "leaky_relu": Entry(_call(F.leaky_relu, "negative_slope")),
    "prelu": Entry(prelu),
    "elu": Entry(_call(F.elu, "alpha")),
    "gelu": Entry(_call(F.gelu, "approximate")),
    "silu": Entry(_call(F.silu)),
    "hardswish": Entry(_call(F.hardswish)),
    "hardsigmoid": Entry(_call(F.hardsigmoid)),
    "sigmoid": Entry(_call(torch.sigmoid)),
    "tanh": Entry(_call(torch.tanh)),
    "softmax": Entry(_call(F.softmax, "dim")),
    "log_softmax": Entry(_call(F.log_softmax, "dim")),
}
