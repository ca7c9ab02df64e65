"""Every spec in the library draws with the real `dot`, without warnings, with the
clusters and boxes that the IR and `archdsl analyze --depth` say it should have.

`dot`'s layout time grows faster than linearly (PreAct-ResNet-1001, 3340 nodes,
takes about 28 s at full depth), so full-depth layouts run for the specs up to
LAYOUT_BUDGET nodes; every spec is laid out at depth 1 and has its full-depth
DOT text checked.
"""

from __future__ import annotations

import pytest

from archdsl.analysis.report import rows
from archdsl.backends.graphviz import to_dot
from archdsl.spec.library import library_names

SPECS = library_names()
LAYOUT_BUDGET = 450
"""Largest node count laid out at full depth by the tests (DenseNet-121, 428 nodes, is in)."""


def scopes_with_nodes(model, depth: int | None = None) -> set[str]:
    """Scopes (at most `depth` deep) holding at least one node, from the nodes' own scope names."""
    found = set()
    for node in model.graph:
        parts = node.scope.split(".") if node.scope else []
        found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1) if depth is None or i <= depth)
    return found


def markers(model) -> list[str]:
    return [f"output/{name}" for name in model.graph.outputs]


@pytest.mark.parametrize("name", SPECS)
def test_full_depth_dot_has_a_cluster_per_scope_and_a_node_per_op(name: str, library_model, dot_text) -> None:
    model = library_model(name)
    clusters, nodes = dot_text(to_dot(model, legend=False))
    assert sorted(clusters) == sorted(f"cluster_{s}" for s in scopes_with_nodes(model))
    assert sorted(nodes) == sorted([*model.graph.nodes, *markers(model)])


@pytest.mark.parametrize("name", SPECS)
def test_full_depth_layout(name: str, library_model, dot_svg) -> None:
    model = library_model(name)
    if len(model.graph) > LAYOUT_BUDGET:
        pytest.skip(f"{len(model.graph)} nodes: laid out at depth 1 only (see the module docstring)")
    svg = dot_svg(to_dot(model, legend=False))
    assert svg.stderr == ""
    assert svg.count("cluster") == len(scopes_with_nodes(model))
    assert svg.count("node") == len(model.graph) + len(model.graph.outputs)


@pytest.mark.parametrize("name", SPECS)
def test_depth_1_layout_matches_the_rolled_up_report(name: str, library_model, dot_svg) -> None:
    model = library_model(name)
    svg = dot_svg(to_dot(model, depth=1, merge=False))
    assert svg.stderr == ""
    boxes = [t for t in svg.titles("node") if "/" not in t]
    assert sorted(boxes) == sorted(row.name for row in rows(model.analyze(), 1))
    assert svg.count("cluster") == len(scopes_with_nodes(model, 1))


@pytest.mark.parametrize("name", SPECS)
def test_depth_0_draws_top_level_nodes_and_blocks(name: str, library_model, dot_text) -> None:
    model = library_model(name)
    clusters, nodes = dot_text(to_dot(model, depth=0, merge=False, legend=False))
    assert clusters == []
    top = [n.name for n in model.graph if not n.scope] + [s for s in scopes_with_nodes(model, 1)]
    assert sorted(nodes) == sorted([*top, *markers(model)])
    assert sorted(top) == sorted(row.name for row in rows(model.analyze(), 0))
