"""Parameters, buffers, MACs, FLOPs and activation sizes, per node and in total."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from archdsl.ir.graph import Graph, Node
from archdsl.ops import OPS, OpAttrs
from archdsl.tensors import TensorType


@dataclass(frozen=True)
class NodeCost:
    """What one node costs at batch 1. FLOPs = 2 × MACs + element-wise work."""

    params: int
    buffers: int
    macs: int
    flops: int
    activation_bytes: int


def node_cost(graph: Graph, node: Node) -> NodeCost:
    return _cost(node.op, node.attrs, tuple(graph.input_types(node)), graph.types[node.name])


@lru_cache(maxsize=8192)
def _cost(op_name: str, attrs: OpAttrs, inputs: tuple[TensorType, ...], outputs: tuple[TensorType, ...]) -> NodeCost:
    """Costs depend only on the op, its attributes and types: repeated blocks share them."""
    op = OPS[op_name]
    weights = op.weights(attrs, inputs)
    macs = op.macs(attrs, inputs, outputs)
    return NodeCost(
        params=sum(w.numel for w in weights.values() if w.trainable),
        buffers=sum(w.numel for w in weights.values() if not w.trainable),
        macs=macs,
        flops=2 * macs + op.flops(attrs, inputs, outputs),
        activation_bytes=sum(t.nbytes() for t in outputs),
    )


def node_costs(graph: Graph) -> dict[str, NodeCost]:
    """Cost of every node, in schedule order."""
    return {node.name: node_cost(graph, node) for node in graph}
