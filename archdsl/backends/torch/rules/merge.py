"""Joins: add, mul (folded left to right as PyTorch does), mean, concat."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
from torch import fx

from archdsl.backends.torch.runtime import DropPathMean
from archdsl.backends.torch.table import Entry, Make, Site


def _fold(site: Site, fn: Callable[[Any, Any], Any], x: list[fx.Node]) -> fx.Node:
    """((x0 ∘ x1) ∘ x2) ...; the last partial result carries the node's name."""
    result = x[0]
    for i, item in enumerate(x[1:], start=1):
        result = site.call(fn, result, item, suffix="" if i == len(x) - 1 else f"partial{i}")
    return result


def add(site: Site, x: list[fx.Node]) -> fx.Node:
    """`a + b`, or `a += b` where the schedule found that nobody can tell (residual joins)."""
    return _fold(site, operator.iadd if site.in_place else operator.add, x)


def mul(site: Site, x: list[fx.Node]) -> fx.Node:
    return _fold(site, operator.mul, x)


def mean(site: Site, x: list[fx.Node]) -> fx.Node:
    """`torch.stack(xs).mean(0)`; with local drop-path, a DropPathMean module (random in training)."""
    if site.attrs.drop_path > 0:
        return site.module(Make(DropPathMean, {"p": site.attrs.drop_path}), *x)
    return site.method("mean", site.call(torch.stack, list(x), suffix="stack"), 0)


def concat(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.call(torch.cat, list(x), dim=site.attrs.dim)


TABLE: dict[str, Entry] = {
    "add": Entry(add),
    "mul": Entry(mul),
    "mean": Entry(mean),
    "concat": Entry(concat),
}
