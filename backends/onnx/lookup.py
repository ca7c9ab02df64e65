"""Finding the ONNX emitter for a node: the rule modules and the plugins' lowerings are loaded on first use."""

from __future__ import annotations

from collections.abc import Sequence

from archdsl.errors import BackendError
from archdsl.ir.graph import Node
from archdsl.plugin import load_lowerings, lowering_gap
from backends.onnx import rules  # noqa: F401  (registration side effects)
from backends.onnx.table import EMITTERS, MIN_OPSET, Emitter


def load_rules() -> dict[str, Emitter]:
    """Import the rule modules (registering every rule), and the lowering modules plugins
    declared for "onnx", and return the table. Plugins register with `emits` too."""
    load_lowerings("onnx")
    return EMITTERS


def emitter_for(node: Node) -> Emitter:
    """The emitter of `node`'s op, or a BackendError naming the op, the node and its spec line."""
    entry = load_rules().get(node.op)
    if entry is None:
        how = f"`@emits(\"{node.op}\")` from backends.onnx.table"
        detail, hint = lowering_gap(node.op, "onnx", how) or ("", f"add an {how} rule in backends/onnx/rules")
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
