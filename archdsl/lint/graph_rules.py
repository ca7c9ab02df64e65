"""Rules about the graph's wiring: dead nodes, unused inputs, auxiliary heads."""

from __future__ import annotations

from collections.abc import Iterator

from archdsl.ir.graph import Graph, Output
from archdsl.lint.registry import Context, Hit, rule


def ancestors(graph: Graph, name: str) -> set[str]:
    """Every node `name` depends on. networkx is imported here, not at module load: the CLI
    imports the lint rules to build its parser, and networkx takes a quarter of a second."""
    import networkx as nx

    return nx.ancestors(graph.dag, name)


@rule("dead-node", "its output reaches no graph output: no backend runs it, and its weights are never trained")
def dead_nodes(ctx: Context) -> Iterator[Hit]:
    dead = ctx.graph.liveness.dead
    for name in (n for n in dead if not ctx.consumers[n]):  # the ends of dead chains
        node = ctx.graph.nodes[name]
        feeding = [a for a in ancestors(ctx.graph, name) if a in dead]
        also = f", nor do the {len(feeding)} node(s) that only feed it" if feeding else ""
        yield ctx.hit(node, f"'{name}' ({node.op}) reaches no output{also}",
                      "list it in `outputs:` (with `train_only: true` for a training head), or delete it")


@rule("unused-input", "an input no node reads still has to be fed by every caller")
def unused_inputs(ctx: Context) -> Iterator[Hit]:
    for node in ctx.graph:
        if node.is_input and not ctx.consumers[node.name]:
            yield ctx.hit(node, f"input '{node.name}' is never read",
                          f"remove it from `inputs:`, or read it with `from: {node.name}`")


@rule("aux-not-train-only", "an auxiliary head that is not train_only runs (and costs) at inference too")
def aux_heads(ctx: Context) -> Iterator[Hit]:
    running = [o for o in ctx.graph.outputs.values() if not o.train_only]
    depth = {o.name: len(ancestors(ctx.graph, o.ref.node)) for o in running}
    for output in running:
        if _named_aux(output) or _leaves_trunk_early(ctx, output, running, depth):
            node = ctx.graph.nodes[output.ref.node]
            yield Hit(f"output '{output.name}' ({node.name}) looks like an auxiliary head but is not train_only",
                      f"declare it as `{output.name}: {{from: {output.ref}, train_only: true}}`",
                      output.span, node.name)


def _named_aux(output: Output) -> bool:
    return any(part.lower().startswith("aux") for part in (output.name, *output.ref.node.split(".")))


def _leaves_trunk_early(ctx: Context, output: Output, running: list[Output], depth: dict[str, int]) -> bool:
    """A deep-supervision head: the same type as another running output, computed from less of the graph."""
    kind = ctx.graph.type_of(output.ref)
    return any(other is not output and ctx.graph.type_of(other.ref) == kind and depth[other.name] > depth[output.name]
               for other in running)
