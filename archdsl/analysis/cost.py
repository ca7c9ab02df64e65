"""Parameters, buffers, MACs, FLOPs and activation sizes, per node and in total."""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.ir.graph import Graph, Node
from archdsl.ops import OPS


@dataclass(frozen=True)
class NodeCost:
    """What one node costs at batch 1. FLOPs = 2 × MACs + element-wise work."""

    params: int
    buffers: int
    macs: int
    flops: int
    activation_bytes: int


def node_cost(graph: Graph, node: Node) -> NodeCost:
    op = OPS[node.op]
    inputs = graph.input_types(node)
    outputs = graph.types[node.name]
    weights = op.weights(node.attrs, inputs)
    macs = op.macs(node.attrs, inputs, outputs)
    return NodeCost(
        params=sum(w.numel for w in weights.values() if w.trainable),
        buffers=sum(w.numel for w in weights.values() if not w.trainable),
        macs=macs,
        flops=2 * macs + op.flops(node.attrs, inputs, outputs),
        activation_bytes=sum(t.nbytes() for t in outputs),
    )


def node_costs(graph: Graph) -> dict[str, NodeCost]:
    """Cost of every node, in schedule order."""
    return {node.name: node_cost(graph, node) for node in graph}
