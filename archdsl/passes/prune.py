"""Pass: leave train-only outputs, and everything only they (or nothing) read, out of the graph."""

from __future__ import annotations

from archdsl.ir.graph import Graph, Ref
from archdsl.passes.base import Rewritten
from archdsl.passes.rewrite import Edit, rewire


def drop_train_only(graph: Graph) -> Rewritten:
    """Remove train-only outputs and the nodes no inference output depends on (inputs stay)."""
    needed = graph.liveness.inference
    removed: dict[str, Ref | None] = {node.name: None for node in graph if node.name not in needed and not node.is_input}
    dropped = frozenset(name for name, output in graph.outputs.items() if output.train_only)
    if not removed and not dropped:
        return Rewritten(graph)
    return Rewritten(rewire(graph, Edit(removed=removed, dropped_outputs=dropped)))
