"""What a diagram shows: which scopes are clusters, which are collapsed into one box.

Pure Python over the IR (no graphviz): `collapse` maps every IR node to the box
that draws it, either itself or the outermost collapsed scope around it, and
turns the IR's edges into edges between boxes, each carrying the tensor that
crosses the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.ir.graph import Graph, Ref


@dataclass(frozen=True)
class Box:
    """One node of the diagram: an IR node, or collapsed block instances (several when merged ×N)."""

    id: str
    cluster: str
    """The expanded scope it is drawn in ('' at the top level)."""
    node: str | None = None
    """The IR node it draws, or None for collapsed scopes."""
    scopes: tuple[str, ...] = ()
    """The collapsed scopes it draws, in order (more than one when merged)."""


@dataclass(frozen=True)
class Edge:
    """A tensor flowing from one box to another."""

    source: str
    target: str
    ref: Ref
    consumer: str
    """The IR node that reads `ref` (decides whether the edge is train-only)."""


@dataclass(frozen=True)
class View:
    """The boxes (in schedule order of first appearance), edges and clusters of a diagram."""

    boxes: dict[str, Box]
    edges: tuple[Edge, ...]
    clusters: tuple[str, ...]
    """Expanded scopes that hold at least one box, parents before children."""
    owner: dict[str, str]
    """IR node name → id of the box that draws it."""


class Scopes:
    """Ancestor chains and membership of a graph's scopes, computed once."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.chains: dict[str, tuple[str, ...]] = {"": ()}
        self.members: dict[str, list[str]] = {name: [] for name in graph.scopes}
        for node in graph:
            for scope in self.chain(node.scope):
                self.members[scope].append(node.name)

    def chain(self, scope: str) -> tuple[str, ...]:
        """`scope` and its ancestors, outermost first ('' has none)."""
        found = self.chains.get(scope)
        if found is None:
            found = self.chains[scope] = (*self.chain(self.graph.scopes[scope].parent), scope)
        return found

    def expanded(self, depth: int | None, expand: tuple[str, ...]) -> set[str]:
        """Scopes drawn as clusters: those at most `depth` deep, plus `expand`'s whole trees."""
        shown = {name for name, s in self.graph.scopes.items() if depth is None or s.depth <= depth}
        for name in expand:
            shown.update(self.chain(name))
            shown.update(other for other in self.graph.scopes if name in self.chain(other))
        return shown


def collapse(graph: Graph, scopes: Scopes, expanded: set[str]) -> View:
    """Boxes and edges when only `expanded` scopes are drawn as clusters."""
    boxes: dict[str, Box] = {}
    owner: dict[str, str] = {}
    for node in graph:
        hidden = next((s for s in scopes.chain(node.scope) if s not in expanded), None)
        box = Box(hidden, graph.scopes[hidden].parent, scopes=(hidden,)) if hidden \
            else Box(node.name, node.scope, node=node.name)
        boxes.setdefault(box.id, box)
        owner[node.name] = box.id
    edges = connect(graph, owner)
    return View(boxes, edges, clusters(scopes, boxes), owner)


def connect(graph: Graph, owner: dict[str, str]) -> tuple[Edge, ...]:
    """One edge per (source box, target box, tensor); tensors inside one box vanish."""
    found: dict[tuple[str, str, Ref], Edge] = {}
    for node in graph:
        target = owner[node.name]
        for ref in node.inputs:
            source = owner[ref.node]
            if source != target:
                found.setdefault((source, target, ref), Edge(source, target, ref, node.name))
    return tuple(found.values())


def clusters(scopes: Scopes, boxes: dict[str, Box]) -> tuple[str, ...]:
    """The clusters that hold a box, with their ancestors, in order of first appearance."""
    found: dict[str, None] = {}
    for box in boxes.values():
        for scope in scopes.chain(box.cluster):
            found.setdefault(scope, None)
    return tuple(found)
