"""Which nodes run in inference, and shape re-inference over a finished graph."""

from __future__ import annotations

import networkx as nx

from archdsl.errors import ArchdslError
from archdsl.ir.graph import Graph
from archdsl.ir.types import TensorType
from archdsl.ops import OPS


def inference_nodes(graph: Graph) -> frozenset[str]:
    """Nodes that some non-train-only output depends on (train-only heads excluded)."""
    needed: set[str] = set()
    for output in graph.outputs.values():
        if not output.train_only:
            needed.add(output.ref.node)
            needed |= nx.ancestors(graph.dag, output.ref.node)
    return frozenset(needed)


def train_only_nodes(graph: Graph) -> frozenset[str]:
    """Nodes computed only for train-only outputs (e.g. auxiliary classifiers)."""
    used: set[str] = set()
    for output in graph.outputs.values():
        used.add(output.ref.node)
        used |= nx.ancestors(graph.dag, output.ref.node)
    return frozenset(used - inference_nodes(graph))


def infer_shapes(graph: Graph) -> dict[str, tuple[TensorType, ...]]:
    """Re-run every op's shape rule in schedule order (verifies a rewritten graph)."""
    types: dict[str, tuple[TensorType, ...]] = {}
    for node in graph:
        inputs = [types[r.node][r.port] for r in node.inputs]
        try:
            types[node.name] = tuple(OPS[node.op].infer(node.attrs, inputs))
        except ArchdslError as error:
            raise error.located(node.span, node.name) from None
    return types
