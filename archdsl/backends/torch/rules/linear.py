"""Dense layers: torch.nn.Linear and Embedding modules under the node's dotted name."""

from __future__ import annotations

from torch import fx, nn

from archdsl.backends.torch.table import Entry, Make, Site


def linear(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    return site.module(Make(nn.Linear, {"in_features": int(site.inputs[0].shape[-1]), "out_features": a.out, "bias": a.bias}), *x)


def embedding(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    return site.module(Make(nn.Embedding, {"num_embeddings": a.num, "embedding_dim": a.dim, "padding_idx": a.padding_idx}), *x)


TABLE: dict[str, Entry] = {
    "linear": Entry(linear),
    "embedding": Entry(embedding),
}
