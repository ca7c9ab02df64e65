"""The graphviz backend: architecture diagrams with one cluster per block instance.

Python API: `to_digraph(model, **options)` (also `model.to_graphviz(...)`) returns
a `graphviz.Digraph`, `to_dot` its DOT source, `render(model, path)` writes
.svg/.png/.pdf (through Graphviz's `dot`) or .dot. Options: see `Options`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from archdsl.backend import Backend
from archdsl.model import Model
from archdsl.ops import OPS
from backends.graphviz.cli import add_diagram_arguments, build, register_commands

if TYPE_CHECKING:
    import graphviz

    from backends.graphviz.view import Scopes, View

# The drawing modules import the graphviz package (~80 ms); they load on first use, so
# `archdsl analyze`, which loads every backend's CLI hooks, does not pay for them.


def to_digraph(model: Model, **options: Any) -> graphviz.Digraph:
    """The diagram as a `graphviz.Digraph` (options: depth, expand, rankdir, show, merge, legend)."""
    from backends.graphviz.dot import digraph
    from backends.graphviz.options import make_options

    return digraph(model, make_options(**options))


def plan(model: Model, **options: Any) -> tuple[Scopes, View]:
    """`(Scopes, View)`: the clusters, boxes and edges a diagram will have, without drawing it."""
    from backends.graphviz.dot import plan as make_plan
    from backends.graphviz.options import make_options

    return make_plan(model, make_options(**options))


def to_dot(model: Model, **options: Any) -> str:
    """The diagram's DOT source: the same bytes for the same model and options."""
    return to_digraph(model, **options).source


def render(model: Model, path: str | Path, **options: Any) -> str:
    """Write the diagram to `path` (.svg, .png, .pdf, .dot) atomically; return the format."""
    from backends.graphviz.output import output_format, write

    output_format(path)
    return write(to_dot(model, **options), path)


def _ops() -> set[str]:
    from backends.graphviz.labels import rule_for

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
