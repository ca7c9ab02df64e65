"""Normalisation: torch.nn.BatchNorm1d/2d, LayerNorm and GroupNorm modules; local response
norm as a call (no weights)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import fx, nn

from archdsl.backends.torch.table import Entry, Make, Site
from archdsl.ops.base import channels


def _batchnorm(site: Site, cls: type[nn.Module]) -> Make:
    a = site.attrs
    return Make(cls, {"num_features": channels(site.inputs[0]), "eps": a.eps, "momentum": a.momentum,
                      "affine": a.affine, "track_running_stats": a.track_running_stats})


def batchnorm1d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_batchnorm(site, nn.BatchNorm1d), *x)


def batchnorm2d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_batchnorm(site, nn.BatchNorm2d), *x)


def layernorm(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    shape = tuple(int(d) for d in site.inputs[0].shape[site.inputs[0].rank - a.dims:])
    return site.module(Make(nn.LayerNorm, {"normalized_shape": shape, "eps": a.eps,
                                           "elementwise_affine": a.elementwise_affine, "bias": a.bias}), *x)


def groupnorm(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    return site.module(Make(nn.GroupNorm, {"num_groups": a.groups, "num_channels": channels(site.inputs[0]),
                                           "eps": a.eps, "affine": a.affine}), *x)


def local_response_norm(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    return site.call(F.local_response_norm, *x, size=a.size, alpha=a.alpha, beta=a.beta, k=a.k)


TABLE: dict[str, Entry] = {
    "batchnorm1d": Entry(batchnorm1d),
    "batchnorm2d": Entry(batchnorm2d),
    "layernorm": Entry(layernorm),
    "groupnorm": Entry(groupnorm),
    "local_response_norm": Entry(local_response_norm),
}
