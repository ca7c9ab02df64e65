"""Shape re-inference over a finished graph (which nodes run where is `Graph.reach`)."""

from __future__ import annotations

from archdsl.errors import ArchdslError
from archdsl.ir.graph import Graph
from archdsl.ops import infer_types
from archdsl.tensors import TensorType


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
