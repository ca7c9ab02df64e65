"""How the ONNX backend lowers every op: one table per op family (`TABLES`), the plugins'
emitters, and finding a node's emitter. Adding an op: a rule and one entry in its family's table."""

from __future__ import annotations

from collections.abc import Sequence

from archdsl.backends.onnx.rules import (
    activation,
    conv,
    io,
    linear,
    merge,
    norm,
    pool,
    recurrent,
    regularization,
    shape,
)
from archdsl.backends.onnx.table import EMITTERS, MIN_OPSET, Emitter, add_table
from archdsl.errors import BackendError
from archdsl.ir.graph import Node
from archdsl.ops import Family
from archdsl.plugin import load_lowerings, lowering_gap

TABLES: dict[Family, dict[str, Emitter]] = {
    Family.IO: io.TABLE,
    Family.CONV: conv.TABLE,
    Family.LINEAR: linear.TABLE,
    Family.NORM: norm.TABLE,
    Family.ACTIVATION: activation.TABLE,
    Family.POOL: pool.TABLE,
    Family.REGULARIZATION: regularization.TABLE,
    Family.MERGE: merge.TABLE,
    Family.SHAPE: shape.TABLE,
    Family.RECURRENT: recurrent.TABLE,
}
"""The built-in emitters, by the family of the ops they emit."""

for _table in TABLES.values():
    add_table(_table)


def load_rules() -> dict[str, Emitter]:
    """Every emitter: the built-in tables, and the lowering modules plugins declared for "onnx"
    (loaded now; they register with `emits`)."""
    load_lowerings("onnx")
    return EMITTERS


def emitter_for(node: Node) -> Emitter:
    """The emitter of `node`'s op, or a BackendError naming the op, the node and its spec line."""
    entry = load_rules().get(node.op)
    if entry is None:
        how = f"`@emits(\"{node.op}\")` from archdsl.backends.onnx.table"
        detail, hint = lowering_gap(node.op, "onnx", how) or ("", f"add an {how} rule in archdsl/backends/onnx/rules")
        raise BackendError(f"the ONNX backend cannot emit op '{node.op}'" + (f": {detail}" if detail else ""),
                           node.span, node.name, hint=hint)
    return entry


def needed_opset(nodes: Sequence[Node]) -> int:
    """The oldest opset that can express every node (MIN_OPSET at least)."""
    return max([MIN_OPSET, *(emitter_for(node).since(node.attrs) for node in nodes)])


def check_opset(nodes: Sequence[Node], opset: int) -> None:
    """A BackendError naming the first node that `opset` cannot express."""
    for node in nodes:
        needs = emitter_for(node).since(node.attrs)
        if opset < needs:
            raise BackendError(
                f"op '{node.op}' with these attributes needs ONNX opset {needs}, but opset {opset} was asked for",
                node.span, node.name, hint=f"use --opset {needs} or newer (or leave --opset out to get it)",
            )
