"""The graphviz backend: architecture diagrams with one cluster per block instance.

Python API: `to_digraph(model, **options)` (also `model.to_graphviz(...)`) returns
a `graphviz.Digraph`, `to_dot` its DOT source, `render(model, path)` writes
.svg/.png/.pdf (through Graphviz's `dot`) or .dot. Options: see `Options`.
"""

from __future__ import annotations

from archdsl.backends import Backend
from archdsl.backends.graphviz.cli import add_diagram_arguments, build, register_commands
from archdsl.backends.graphviz.diagram import plan, render, to_digraph, to_dot
from archdsl.ops import OPS


def _ops() -> set[str]:
    from archdsl.backends.graphviz.labels import rule_for

    return {name for name in OPS if rule_for(name) is not None}


BACKEND = Backend(
    name="graphviz",
    description="architecture diagrams (DOT, SVG, PNG, PDF) with block clusters and shapes on edges",
    lower=to_digraph,
    build=build,
    add_build_arguments=add_diagram_arguments,
    register_commands=register_commands,
    ops=_ops,
)

__all__ = ["BACKEND", "plan", "render", "to_digraph", "to_dot"]
