"""Dropout-like ops: modules (random in training, identities in eval)."""

from __future__ import annotations

from torch import fx, nn

from archdsl.backends.torch.runtime import DropPath
from archdsl.backends.torch.table import Entry, Make, Site


def _dropout(site: Site, cls: type[nn.Module]) -> Make:
    return Make(cls, {"p": site.attrs.p, "inplace": site.in_place})


def dropout(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_dropout(site, nn.Dropout), *x)


def dropout2d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_dropout(site, nn.Dropout2d), *x)


def drop_path(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(Make(DropPath, {"p": site.attrs.p, "mode": site.attrs.mode}), *x)


TABLE: dict[str, Entry] = {
    "dropout": Entry(dropout),
    "dropout2d": Entry(dropout2d),
    "drop_path": Entry(drop_path),
}
