"""Static analysis passes over the IR: no forward pass, no torch."""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.analysis.cost import NodeCost, node_costs
from archdsl.analysis.memory import Memory, memory
from archdsl.analysis.receptive import ReceptiveFields, receptive_fields
from archdsl.ir.graph import Graph


@dataclass(frozen=True)
class Totals:
    """Whole-model figures at batch 1. MACs and FLOPs count the inference graph
    (train-only heads excluded); params and buffers count every node."""

    params: int
    buffers: int
    macs: int
    flops: int
    activation_bytes: int
    peak_activation_bytes: int
    training_activation_bytes: int


@dataclass(frozen=True)
class Analysis:
    """The results of every pass over one graph."""

    graph: Graph
    costs: dict[str, NodeCost]
    fields: ReceptiveFields
    memory: Memory
    inference: frozenset[str]
    totals: Totals
    train_only: frozenset[str] = frozenset()
    """Nodes only train-only outputs read (not the nodes no output reads: those never run)."""


def analyze(graph: Graph) -> Analysis:
    """Run cost, memory and receptive-field passes."""
    costs = node_costs(graph)
    inference = graph.liveness.inference
    mem = memory(graph, inference, {name: cost.activation_bytes for name, cost in costs.items()})
    running = [costs[name] for name in graph.nodes if name in inference]
    totals = Totals(
        params=sum(c.params for c in costs.values()),
        buffers=sum(c.buffers for c in costs.values()),
        macs=sum(c.macs for c in running),
        flops=sum(c.flops for c in running),
        activation_bytes=sum(c.activation_bytes for c in running),
        peak_activation_bytes=mem.peak_inference,
        training_activation_bytes=mem.training,
    )
    return Analysis(graph, costs, receptive_fields(graph), mem, inference, totals, graph.liveness.train_only)


__all__ = ["Analysis", "Totals", "analyze"]
