"""Node-level changes between two graphs, matched by dotted name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from archdsl.diff.compare import Pair, merged_order
from archdsl.ir.graph import Graph, Node
from archdsl.ops import OPS
from archdsl.tensors import Dim, shape_text


@dataclass(frozen=True)
class Change:
    """One difference of a node that exists on both sides."""

    what: str
    """'op', 'attr', 'shape', 'inputs' or 'params' (the learnable parameter count)."""
    key: str
    """The attribute's name for 'attr'; else the same as `what`."""
    a: Any
    b: Any

    def __str__(self) -> str:
        if self.what == "params":
            return f"params {self.a:,} → {self.b:,}"
        return f"{self.key} {_text(self.a)} → {_text(self.b)}"


@dataclass(frozen=True)
class NodeDiff:
    """A node added in B, removed from A, or changed."""

    name: str
    status: str
    """'added', 'removed' or 'changed'."""
    op: Pair[str]
    shape: Pair[tuple[Dim, ...]]
    changes: tuple[Change, ...] = ()

    @property
    def summary(self) -> str:
        """What happened to it, in one line (the name left out)."""
        if self.status == "changed":
            return "; ".join(str(c) for c in self.changes)
        op, shape = (self.op.b, self.shape.b) if self.status == "added" else (self.op.a, self.shape.a)
        return f"{op} → {shape_text(shape)}" if shape is not None else str(op)


def node_diffs(a: Graph, b: Graph) -> list[NodeDiff]:
    """Every node that was added, removed or changed (op, attributes, output shape, inputs)."""
    found: list[NodeDiff] = []
    for name in merged_order(list(a.nodes), list(b.nodes)):
        node_a, node_b = a.nodes.get(name), b.nodes.get(name)
        op = Pair(node_a.op if node_a else None, node_b.op if node_b else None)
        shape = Pair(a.types[name][0].shape if node_a else None, b.types[name][0].shape if node_b else None)
        if node_a is None or node_b is None:
            found.append(NodeDiff(name, "added" if node_a is None else "removed", op, shape))
            continue
        changes = _changes(node_a, node_b, shape) + _weight_changes(a, node_a, b, node_b)
        if changes:
            found.append(NodeDiff(name, "changed", op, shape, changes))
    return found


def _changes(a: Node, b: Node, shape: Pair[tuple[Dim, ...]]) -> tuple[Change, ...]:
    found: list[Change] = []
    if a.op != b.op:
        found.append(Change("op", "op", a.op, b.op))
    else:
        attrs_a, attrs_b = a.attrs.model_dump(), b.attrs.model_dump()
        found += [Change("attr", key, attrs_a.get(key), attrs_b.get(key))
                  for key in attrs_a if attrs_a.get(key) != attrs_b.get(key)]
    if not shape.same:
        found.append(Change("shape", "shape", shape.a, shape.b))
    inputs_a, inputs_b = [str(r) for r in a.inputs], [str(r) for r in b.inputs]
    if inputs_a != inputs_b:
        found.append(Change("inputs", "inputs", inputs_a, inputs_b))
    return tuple(found)


def _weight_changes(a: Graph, node_a: Node, b: Graph, node_b: Node) -> tuple[Change, ...]:
    """The parameter count, where it changed (a wider input grows the next layer's weight)."""
    counts = [sum(w.numel for w in OPS[node.op].weights(node.attrs, graph.input_types(node)).values() if w.trainable)
              for graph, node in ((a, node_a), (b, node_b))]
    return (Change("params", "params", *counts),) if counts[0] != counts[1] else ()


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return shape_text(value)
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


INDEX = re.compile(r"(?<=\.)\d+(?=\.|$)|^\d+(?=\.)")


def pattern(name: str) -> str:
    """The name with instance indices as `*` (`layer1.2.conv2` → `layer1.*.conv2`)."""
    return INDEX.sub("*", name)


def grouped(diffs: list[NodeDiff]) -> list[tuple[str, list[NodeDiff]]]:
    """Diffs that differ only in instance indices and say the same thing, together, as (label,
    members) in order of first appearance; a group of several is labelled by its pattern."""
    groups: dict[tuple[str, str, str], list[NodeDiff]] = {}
    for diff in diffs:
        groups.setdefault((diff.status, pattern(diff.name), diff.summary), []).append(diff)
    return [(pattern(members[0].name) if len(members) > 1 else members[0].name, members) for members in groups.values()]
