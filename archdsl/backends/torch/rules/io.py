"""Graph inputs: fx placeholders."""

from __future__ import annotations

from torch import fx

from archdsl.backends.torch.table import Entry, Site


def input_(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.placeholder()


TABLE: dict[str, Entry] = {"input": Entry(input_)}
