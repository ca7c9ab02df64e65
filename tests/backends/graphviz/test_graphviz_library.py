"""Every spec in the library draws with the real `dot`, without warnings, with the
clusters and boxes that the IR and `archdsl analyze --depth` say it should have."""

from __future__ import annotations

import pytest

from archdsl.analysis.report import rows
from archdsl.spec.library import library_names
from backends.graphviz import to_dot

SPECS = library_names()


def scopes_with_nodes(model, depth: int | None = None) -> set[str]:
    """Scopes (at most `depth` deep) holding at least one node, from the nodes' own scope names."""
    found = set()
    for node in model.graph:
        parts = node.scope.split(".") if node.scope else []
        found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1) if depth is None or i <= depth)
    return found


@pytest.mark.parametrize("name", SPECS)
def test_full_depth_has_a_cluster_per_scope_and_a_box_per_node(name: str, library_model, dot_svg) -> None:
    model = library_model(name)
    svg = dot_svg(to_dot(model, legend=False))
    assert svg.stderr == ""
    assert svg.count("cluster") == len(scopes_with_nodes(model))
    assert svg.count("node") == len(model.graph) + len(model.graph.outputs)
    assert sorted(svg.titles("cluster")) == sorted(f"cluster_{s}" for s in scopes_with_nodes(model))


@pytest.mark.parametrize("depth", [0, 1])
@pytest.mark.parametrize("name", SPECS)
def test_collapsed_boxes_match_the_rolled_up_report(name: str, depth: int, library_model, dot_svg) -> None:
    model = library_model(name)
    svg = dot_svg(to_dot(model, depth=depth, merge=False))
    assert svg.stderr == ""
    report = rows(model.analyze(), depth)
    boxes = [t for t in svg.titles("node") if "/" not in t]
    assert sorted(boxes) == sorted(row.name for row in report)
    assert svg.count("cluster") == len(scopes_with_nodes(model, depth))
