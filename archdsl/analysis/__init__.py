"""Static analysis passes over the IR: no forward pass, no torch."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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
    """The results of every pass over one graph. Costs are computed with it; receptive fields,
    memory and the totals (which need the memory pass) on first use: `archdsl validate`, `info`
    and the backends read no field, and a field pass is a sixth of a cold analysis."""

    graph: Graph
    costs: dict[str, NodeCost]
    inference: frozenset[str]
    train_only: frozenset[str] = frozenset()
    """Nodes only train-only outputs read (not the nodes no output reads: those never run)."""

    @cached_property
    def fields(self) -> ReceptiveFields:
        return receptive_fields(self.graph)

    @cached_property
    def memory(self) -> Memory:
        return memory(self.graph, self.inference, {name: cost.activation_bytes for name, cost in self.costs.items()})

    @cached_property
    def totals(self) -> Totals:
        costs, inference = self.costs, self.inference
        running = [costs[name] for name in self.graph.nodes if name in inference]
        mem = self.memory
        return Totals(
            params=sum(c.params for c in costs.values()),
            buffers=sum(c.buffers for c in costs.values()),
            macs=sum(c.macs for c in running),
            flops=sum(c.flops for c in running),
            activation_bytes=sum(c.activation_bytes for c in running),
            peak_activation_bytes=mem.peak_inference,
            training_activation_bytes=mem.training,
        )


def analyze(graph: Graph) -> Analysis:
    """Run the cost pass; memory, receptive fields and totals follow on first use."""
    return Analysis(graph, node_costs(graph), graph.liveness.inference, graph.liveness.train_only)


__all__ = ["Analysis", "Totals", "analyze"]
