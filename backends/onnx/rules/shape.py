"""Graph inputs, identities and shape ops: flatten, reshape, permute, select, split, chunk,
channel_shuffle; dropout-like ops, which are identities at inference."""

from __future__ import annotations

import numpy as np

from archdsl.ops.base import axis, channels
from archdsl.tensors import TensorType
from backends.onnx.rules.common import ints, reshape, scalar
from backends.onnx.table import Site, emits


@emits("input")
def input_(site: Site, x: list[str]) -> list[str]:
    return [site.graph_input()]


@emits("identity")
def identity(site: Site, x: list[str]) -> list[str]:
    return [site.op("Identity", x[0])]


@emits("dropout")
def dropout(site: Site, x: list[str]) -> list[str]:
    """ONNX Dropout without `training_mode` is the identity, as in eval mode; the ratio is kept for readers."""
    return [site.op("Dropout", x[0], scalar(site, site.attrs.p, "ratio"))]


def _identity_at_inference(site: Site, x: list[str]) -> list[str]:
    return [site.op("Identity", x[0])]


emits("dropout2d")(_identity_at_inference)
emits("drop_path")(_identity_at_inference)


def _reshaped(site: Site, x: list[str]) -> list[str]:
    return [reshape(site, x[0], site.inputs[0], site.outputs[0], suffix="Reshape")]


emits("flatten")(_reshaped)
emits("reshape")(_reshaped)


@emits("permute")
def permute(site: Site, x: list[str]) -> list[str]:
    rank = site.inputs[0].rank
    return [site.op("Transpose", x[0], perm=[axis(d, rank) for d in site.attrs.dims])]


@emits("select")
def select(site: Site, x: list[str]) -> list[str]:
    """Gather with a 0-d index drops the axis, as torch.select does."""
    index = site.const(np.array(site.attrs.index, dtype=np.int64), "index")
    return [site.op("Gather", x[0], index, axis=axis(site.attrs.dim, site.inputs[0].rank))]


@emits("index_select")
def index_select(site: Site, x: list[str]) -> list[str]:
    """Gather with a 1-D index keeps the axis, as torch.index_select does."""
    index = site.const(np.array(site.attrs.index, dtype=np.int64), "index")
    return [site.op("Gather", x[0], index, axis=axis(site.attrs.dim, site.inputs[0].rank))]


def _pieces(site: Site, x: list[str]) -> list[str]:
    d = axis(site.attrs.dim, site.inputs[0].rank)
    sizes = [int(out.shape[d]) for out in site.outputs]
    if len(sizes) == 1:
        return [site.op("Identity", x[0])]
    return site.op("Split", x[0], ints(site, sizes, "sizes"), axis=d, outputs=len(sizes))


emits("split")(_pieces)
emits("chunk")(_pieces)


@emits("channel_shuffle")
def channel_shuffle(site: Site, x: list[str]) -> list[str]:
    """N×C×… → N×g×C/g×… → swap the two channel axes → N×C×…"""
    x_type = site.inputs[0]
    g = site.attrs.groups
    spatial = list(x_type.shape[2:])
    grouped = TensorType((x_type.shape[0], g, channels(x_type) // g, *spatial), x_type.dtype)
    split = reshape(site, x[0], x_type, grouped, suffix="grouped")
    perm = [0, 2, 1, *range(3, grouped.rank)]
    swapped = site.op("Transpose", split, perm=perm, suffix="swapped")
    swapped_type = TensorType(tuple(grouped.shape[p] for p in perm), x_type.dtype)
    return [reshape(site, swapped, swapped_type, x_type, suffix="Reshape")]
