"""Turning a view of the IR into a `graphviz.Digraph`: clusters, boxes, edges, legend."""

from __future__ import annotations

import graphviz

from archdsl.analysis import Analysis
from archdsl.analysis.formats import human
from archdsl.backends.graphviz import style
from archdsl.backends.graphviz.merge import merge_repeats
from archdsl.backends.graphviz.options import Options, check_expand
from archdsl.backends.graphviz.text import (
    HEADING_WRAP,
    cost_line,
    kind_of,
    local,
    op_line,
    params_lines,
    rf_line,
    shapes_line,
    tensor_label,
)
from archdsl.backends.graphviz.view import Box, Scopes, View, collapse
from archdsl.ir.graph import Ref
from archdsl.lowering import Lowering
from archdsl.ops import OPS, Family
from archdsl.tensors import shape_text


def digraph(lowering: Lowering, options: Options) -> graphviz.Digraph:
    """The diagram of `lowering` drawn as `options` say."""
    scopes, view = plan(lowering, options)
    return _Drawing(lowering.analyze(), scopes, view, options).draw()


def plan(lowering: Lowering, options: Options) -> tuple[Scopes, View]:
    """Which scopes are clusters and which boxes and edges are drawn (no graphviz involved)."""
    graph = lowering.graph
    check_expand(graph, options.expand, lowering.spec.file)
    scopes = Scopes(graph)
    view = collapse(graph, scopes, scopes.expanded(options.depth, options.expand))
    return scopes, merge_repeats(graph, scopes, view) if options.merge else view


class _Drawing:
    """One diagram being drawn (holds what every part of it needs)."""

    def __init__(self, analysis: Analysis, scopes: Scopes, view: View, options: Options) -> None:
        self.analysis = analysis
        self.graph = analysis.graph
        self.scopes = scopes
        self.view = view
        self.options = options
        self.train_only = self.graph.liveness.train_only | self.graph.liveness.dead  # drawn dashed: not run at inference

    def draw(self) -> graphviz.Digraph:
        totals = self.analysis.totals
        title = f"{self.graph.name} · {human(totals.params)} params · {human(totals.macs)} MACs"
        dot = graphviz.Digraph(
            self.graph.name,
            graph_attr={**style.GRAPH_ATTRS, "rankdir": self.options.rankdir, "label": title, "labelloc": "t"},
            node_attr=style.NODE_ATTRS, edge_attr=style.EDGE_ATTRS,
        )
        self.fill(dot, "", self.layout())
        self.edges(dot)
        self.outputs(dot)
        if self.options.legend:
            self.legend(dot)
        return dot

    def layout(self) -> dict[str, list[tuple[bool, str]]]:
        """For each cluster ('' the root): its boxes and sub-clusters in order, (is_cluster, id)."""
        content: dict[str, list[tuple[bool, str]]] = {"": []}
        for box in self.view.boxes.values():
            for scope in self.scopes.chain(box.cluster):
                if scope not in content:
                    content[scope] = []
                    content[self.graph.scopes[scope].parent].append((True, scope))
            content[box.cluster].append((False, box.id))
        return content

    def fill(self, dot: graphviz.Digraph, cluster: str, content: dict[str, list[tuple[bool, str]]]) -> None:
        for is_cluster, name in content[cluster]:
            if not is_cluster:
                self.box(dot, self.view.boxes[name])
                continue
            with dot.subgraph(name=f"cluster_{name}") as sub:
                sub.attr(**self.cluster_attrs(name))
                self.fill(sub, name, content)

    def cluster_attrs(self, name: str) -> dict[str, str]:
        scope = self.graph.scopes[name]
        members = self.scopes.members[name]
        lines = params_lines(scope.params, kind_of(scope), HEADING_WRAP) if scope.block or scope.params else []
        label = style.html_lines(local(name, scope.parent), lines, self.cost(members).split(" · "), align="left")
        dashed = all(m in self.train_only for m in members)
        return {"label": label, "tooltip": name, "style": "rounded,filled" + (",dashed" if dashed else ""),
                "fillcolor": style.cluster_fill(scope.depth), "color": "#8a8a8a"}

    def cost(self, members: list[str]) -> str:
        costs = self.analysis.costs
        return cost_line(sum(costs[m].params for m in members), sum(costs[m].macs for m in members))

    def box(self, dot: graphviz.Digraph, box: Box) -> None:
        if box.node is not None:
            self.node_box(dot, box.node, box.cluster)
        else:
            self.group_box(dot, box)

    def node_box(self, dot: graphviz.Digraph, name: str, cluster: str) -> None:
        node = self.graph.nodes[name]
        if node.is_input:
            label = style.html_lines(f"input {name}", [shape_text(self.graph.types[name][0].shape)], [])
            dot.node(name, label, shape="oval", penwidth="2", fillcolor=style.family_colour(Family.IO))
            return
        cost = self.analysis.costs[name]
        small = [cost_line(cost.params, cost.macs if "macs" in self.options.show else 0), self.rf(name)]
        title, what = local(name, cluster), op_line(self.analysis, name)
        label = style.html_lines(title, [what if what != title else ""], small)
        # No tooltip: SVG viewers show the <title> dot writes, which is the node's full name.
        extra = {"style": "rounded,filled,dashed"} if name in self.train_only else {}
        dot.node(name, label, fillcolor=style.family_colour(OPS[node.op].family), **extra)

    def group_box(self, dot: graphviz.Digraph, box: Box) -> None:
        first, last = (self.graph.scopes[s] for s in (box.scopes[0], box.scopes[-1]))
        count = len(box.scopes)
        title = local(first.name, box.cluster)
        if count > 1:
            title = f"{title} … {local(last.name, box.cluster)}  ×{count}"
        members = [m for s in box.scopes for m in self.scopes.members[s]]
        outputs = last.outputs or (Ref(members[-1]),)
        lines = [*params_lines(first.params, kind_of(first)), shapes_line(self.analysis, first.inputs, outputs)]
        rf = self.rf(outputs[0].node)
        label = style.html_lines(title, lines, [self.cost(members), rf])
        dashed = ",dashed" if all(m in self.train_only for m in members) else ""
        extra = {"tooltip": " ".join(box.scopes), "peripheries": "2"} if count > 1 else {}
        dot.node(box.id, label, fillcolor=style.BLOCK_COLOUR, style=f"filled{dashed}", **extra)

    def rf(self, name: str) -> str:
        return rf_line(self.analysis.fields.fields[name]) if "rf" in self.options.show else ""

    def edges(self, dot: graphviz.Digraph) -> None:
        for edge in self.view.edges:
            extra = {"style": "dashed"} if edge.consumer in self.train_only else {}
            dot.edge(edge.source, edge.target, label=tensor_label(self.analysis, edge.ref), **extra)

    def outputs(self, dot: graphviz.Digraph) -> None:
        for name, out in self.graph.outputs.items():
            marker = output_id(name)
            shape = tensor_label(self.analysis, out.ref)
            label = style.html_lines(f"output {name}", [shape], ["train only" if out.train_only else ""])
            extra = {"style": "filled,dashed"} if out.train_only else {}
            dot.node(marker, label, shape="oval", penwidth="2", fillcolor=style.family_colour(Family.IO), **extra)
            dot.edge(self.view.owner[out.ref.node], marker, **({"style": "dashed"} if out.train_only else {}))

    def legend(self, dot: graphviz.Digraph) -> None:
        drawn = {OPS[self.graph.nodes[b.node].op].family for b in self.view.boxes.values() if b.node}
        families = [f for f in style.FAMILY_COLOURS if f in drawn and f != Family.IO]
        families += sorted(drawn - set(style.FAMILY_COLOURS))
        blocks = any(b.scopes for b in self.view.boxes.values())
        train_only = bool(self.train_only) or any(o.train_only for o in self.graph.outputs.values())
        windows = bool(drawn & {Family.CONV, Family.POOL})
        dot.node("legend/", style.legend_label(families, blocks, train_only, windows), shape="plaintext",
                 style="", fillcolor="")


def output_id(name: str) -> str:
    """The DOT id of an output's marker: `output/<name>` ("/" never occurs in IR names).

    An output name is any printable text. In an edge, graphviz reads `a:b` as node `a`,
    port `b`, so `%` and `:` are percent-encoded (`%25`, `%3A`: distinct names keep distinct
    ids); `\\` and `"` are escaped for graphviz.quote, which puts the id between quotes as it
    is (a quoted DOT string cannot end in a lone backslash).
    """
    text = name.replace("%", "%25").replace(":", "%3A").replace("\\", "\\\\").replace('"', '\\"')
    return f"output/{text}"
