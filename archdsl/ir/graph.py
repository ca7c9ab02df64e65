"""The graph IR: small frozen node records in a networkx DiGraph.

networkx holds the topology (for algorithms); operand order lives in
`Node.inputs`, because a DiGraph merges parallel edges (`add(x, x)`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from archdsl.errors import Span
from archdsl.ops.base import OpAttrs
from archdsl.tensors import TensorType

if TYPE_CHECKING:
    import networkx as nx


class Ref(NamedTuple):
    """One output of one node: `node` is a dotted name, `port` the output index.
    (A NamedTuple: refs are made, hashed and compared for every edge of every pass.)"""

    node: str
    port: int = 0

    def __str__(self) -> str:
        return self.node if self.port == 0 else f"{self.node}:{self.port}"


INPUT_OP = "input"
"""The op of graph inputs (archdsl/ops/io.py): a node with no operands whose value is fed in."""


class Node(NamedTuple):
    """One op instance (a NamedTuple: a model makes one per node, and a tuple is made in C)."""

    name: str
    op: str
    attrs: OpAttrs
    inputs: tuple[Ref, ...]
    span: Span
    scope: str = ""
    """Dotted name of the innermost scope (block instance) it was expanded in; '' at top."""

    @property
    def is_input(self) -> bool:
        """Whether the node is a graph input (the `input` op) rather than a computation."""
        return self.op == INPUT_OP


class Scope(NamedTuple):
    """A block instance, inline sub-graph or repeat group: a cluster in diagrams.
    (A NamedTuple: expansion makes one per instance and sets its outputs when it closes.)"""

    name: str
    kind: str
    """'block' (an instance of `block`), 'graph' (inline sub-graph) or 'repeat'."""
    block: str | None
    params: tuple[tuple[str, Any], ...]
    span: Span
    parent: str
    inputs: tuple[Ref, ...] = ()
    outputs: tuple[Ref, ...] = ()
    """What flows in and out of the scope (for collapsed views)."""

    @property
    def depth(self) -> int:
        return self.name.count(".") + 1 if self.name else 0


@dataclass(frozen=True)
class Output:
    """A named graph output."""

    name: str
    ref: Ref
    train_only: bool
    span: Span


@dataclass
class Graph:
    """An expanded architecture: nodes in schedule (topological) order, with types."""

    name: str
    nodes: dict[str, Node]
    outputs: dict[str, Output]
    scopes: dict[str, Scope]
    types: dict[str, tuple[TensorType, ...]]
    """Output types of every node, from shape inference during expansion."""
    meta: dict[str, Any] = field(default_factory=dict)
    _dag: nx.DiGraph | None = field(default=None, repr=False)
    _liveness: Liveness | None = field(default=None, repr=False)

    @property
    def liveness(self) -> Liveness:
        """Which nodes the outputs read: live, inference, train-only, dead (computed on first use)."""
        if self._liveness is None:
            self._liveness = liveness(self)
        return self._liveness

    @property
    def dag(self) -> nx.DiGraph:
        """Topology as a networkx DiGraph (built on first use)."""
        if self._dag is None:
            # Imported here: networkx costs a quarter of a second to import, and analysis,
            # expansion and the backends never need it; lint and graph algorithms do.
            import networkx as nx

            dag = nx.DiGraph()
            dag.add_nodes_from(self.nodes)
            dag.add_edges_from((ref.node, node.name) for node in self.nodes.values() for ref in node.inputs)
            self._dag = dag
        return self._dag

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    def type_of(self, ref: Ref) -> TensorType:
        return self.types[ref.node][ref.port]

    def input_types(self, node: Node) -> list[TensorType]:
        return [self.type_of(ref) for ref in node.inputs]

    @property
    def inputs(self) -> dict[str, TensorType]:
        """Graph inputs by name."""
        return {n.name: self.types[n.name][0] for n in self.nodes.values() if n.is_input}

    def consumers(self) -> dict[str, list[str]]:
        """For each node, the nodes that read any of its outputs, in schedule order."""
        found: dict[str, list[str]] = {name: [] for name in self.nodes}
        for node in self.nodes.values():
            for ref in dict.fromkeys(r.node for r in node.inputs):
                found[ref].append(node.name)
        return found


# -- structural queries ---------------------------------------------------------------


@dataclass(frozen=True)
class Liveness:
    """The nodes each kind of output reads (directly or not); graph inputs are never dead."""

    live: frozenset[str]
    """Read by some output, train-only or not."""
    inference: frozenset[str]
    """Read by some output that is not train-only: what runs at inference."""
    train_only: frozenset[str]
    """Read only by train-only outputs (auxiliary heads): what runs in training alone."""
    dead: frozenset[str]
    """Read by no output (graph inputs excepted): no backend runs them."""


def liveness(graph: Graph) -> Liveness:
    """Sweep the graph backwards from its outputs (the schedule is topological, so once is enough)."""
    outputs = list(graph.outputs.values())
    inference = feeding(graph, [o.ref.node for o in outputs if not o.train_only])
    trained = [o.ref.node for o in outputs if o.train_only]
    train_only = feeding(graph, trained) - inference if trained else frozenset()
    live = inference | train_only
    dead = frozenset(node.name for node in graph if node.name not in live and not node.is_input)
    return Liveness(live, inference, train_only, dead)


def feeding(graph: Graph, targets: Iterable[str]) -> frozenset[str]:
    """`targets` and every node they read, directly or not."""
    needed = set(targets)
    for node in reversed(graph.nodes.values()):
        if node.name in needed:
            needed.update(ref.node for ref in node.inputs)
    return frozenset(needed)
