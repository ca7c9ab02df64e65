"""Merging runs of identical collapsed block instances into one "×N" box.

Two collapsed boxes side by side in one cluster merge when they are instances
of the same block with the same params, expand to the same nodes (same local
names, ops, attributes and wiring) and form a plain chain: everything the first
produces goes to the second only, and the second reads nothing else. So
ResNet's `layer2.0` (stride 2, with a projection shortcut) stays apart and
`layer2.1`..`layer2.3` become one "×3" box; DenseNet's dense layers, identical
but for their growing input width, merge whole.
"""

from __future__ import annotations

from typing import Any

from archdsl.backends.graphviz.view import Box, Scopes, View, clusters, connect
from archdsl.ir.graph import Graph


def merge_repeats(graph: Graph, scopes: Scopes, view: View) -> View:
    """The view with each mergeable run of collapsed instances drawn as one box."""
    targets: dict[str, set[str]] = {}
    sources: dict[str, set[str]] = {}
    for edge in view.edges:
        targets.setdefault(edge.source, set()).add(edge.target)
        sources.setdefault(edge.target, set()).add(edge.source)
    outputs = {view.owner[out.ref.node] for out in graph.outputs.values()}
    signatures = _Signatures(graph, scopes)
    merged: dict[str, Box] = {}
    rename: dict[str, str] = {}
    previous: Box | None = None
    for box in view.boxes.values():
        if previous is not None and previous.cluster == box.cluster and previous.id not in outputs \
                and targets.get(previous.id) == {box.id} and sources.get(box.id) == {previous.id} \
                and signatures.alike(previous.scopes[0], box.scopes[0] if box.scopes else None):
            run = merged[rename[previous.id]]
            merged[run.id] = Box(run.id, run.cluster, scopes=(*run.scopes, *box.scopes))
            rename[box.id] = run.id
        else:
            merged[box.id] = box
            rename[box.id] = box.id
        previous = box if box.scopes else None
    owner = {node: rename[box] for node, box in view.owner.items()}
    return View(merged, connect(graph, owner), clusters(scopes, merged), owner)


class _Signatures:
    """What makes two scopes interchangeable in a diagram, computed on demand."""

    def __init__(self, graph: Graph, scopes: Scopes) -> None:
        self.graph = graph
        self.scopes = scopes
        self.cache: dict[str, tuple[Any, ...]] = {}

    def alike(self, first: str, second: str | None) -> bool:
        if second is None:
            return False
        a, b = self.graph.scopes[first], self.graph.scopes[second]
        if a.kind != "block" or b.kind != "block" or a.block != b.block or a.params != b.params:
            return False
        return self.signature(first) == self.signature(second)

    def signature(self, scope: str) -> tuple[Any, ...]:
        if scope not in self.cache:
            members = self.scopes.members[scope]
            inside = set(members)
            cut = len(scope) + 1
            self.cache[scope] = tuple(
                (name[cut:], node.op, node.attrs.model_dump(),
                 tuple((r.node[cut:], r.port) if r.node in inside else ("", r.port) for r in node.inputs))
                for name in members
                for node in (self.graph.nodes[name],)
            )
        return self.cache[scope]
