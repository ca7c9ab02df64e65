"""The diagram functions of the graphviz backend's Python API (re-exported by `archdsl.backends.graphviz`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from archdsl.lowering import Lowerable, Lowering, lowering_of

if TYPE_CHECKING:
    import graphviz

    from archdsl.backends.graphviz.view import Scopes, View

# The drawing modules import the graphviz package (~80 ms); they load on first use, so
# `archdsl analyze`, which loads every backend's CLI hooks, does not pay for them.


def to_digraph(model: Lowering | Lowerable, **options: Any) -> graphviz.Digraph:
    """The diagram as a `graphviz.Digraph` (options: depth, expand, rankdir, show, merge, legend)."""
    from archdsl.backends.graphviz.dot import digraph
    from archdsl.backends.graphviz.options import make_options

    return digraph(lowering_of(model), make_options(**options))


def plan(model: Lowering | Lowerable, **options: Any) -> tuple[Scopes, View]:
    """`(Scopes, View)`: the clusters, boxes and edges a diagram will have, without drawing it."""
    from archdsl.backends.graphviz.dot import plan as make_plan
    from archdsl.backends.graphviz.options import make_options

    return make_plan(lowering_of(model), make_options(**options))


def to_dot(model: Lowering | Lowerable, **options: Any) -> str:
    """The diagram's DOT source: the same bytes for the same model and options."""
    return to_digraph(model, **options).source


def render(model: Lowering | Lowerable, path: str | Path, **options: Any) -> str:
    """Write the diagram to `path` (.svg, .png, .pdf, .dot) atomically; return the format."""
    from archdsl.backends.graphviz.output import output_format, write

    output_format(path)
    return write(to_dot(model, **options), path)
