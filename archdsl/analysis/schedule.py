"""Which nodes run in inference, and shape re-inference over a finished graph."""

from __future__ import annotations

from archdsl.errors import ArchdslError
from archdsl.ir.graph import Graph
from archdsl.ops import infer_types
from archdsl.tensors import TensorType


def inference_nodes(graph: Graph) -> frozenset[str]:
    """Nodes that some non-train-only output depends on (train-only heads excluded)."""
    return _feeding(graph, [o.ref.node for o in graph.outputs.values() if not o.train_only])


def train_only_nodes(graph: Graph, inference: frozenset[str] | None = None) -> frozenset[str]:
    """Nodes computed only for train-only outputs (e.g. auxiliary classifiers); `inference`
    is `inference_nodes(graph)` when the caller has it already."""
    trained = [o.ref.node for o in graph.outputs.values() if o.train_only]
    if not trained:
        return frozenset()
    return _feeding(graph, trained) - (inference_nodes(graph) if inference is None else inference)


def _feeding(graph: Graph, targets: list[str]) -> frozenset[str]:
    """`targets` and every node they read, directly or not. One backward sweep over the schedule
    (which is topological) does it without building a networkx graph first."""
    needed = set(targets)
    for node in reversed(graph.nodes.values()):
        if node.name in needed:
            needed.update(ref.node for ref in node.inputs)
    return frozenset(needed)


def infer_shapes(graph: Graph) -> dict[str, tuple[TensorType, ...]]:
    """Re-run every op's shape rule in schedule order (verifies a rewritten graph)."""
    types: dict[str, tuple[TensorType, ...]] = {}
    for node in graph:
        inputs = tuple(types[r.node][r.port] for r in node.inputs)
        try:
            types[node.name] = infer_types(node.op, node.attrs, inputs)
        except ArchdslError as error:
            raise error.located(node.span, node.name) from None
    return types
