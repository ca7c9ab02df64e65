"""What a backend lowers: the one narrow, read-only input the core hands every backend.

A backend never sees the loaded `Model` (nor the spec's AST): it reads the expanded
graph, the analysis, the init plan and the spec's identity as plain data. `Model`
builds this once (`model.lowering`) and passes it to `Backend.lower` and `Backend.build`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from archdsl.analysis import Analysis
from archdsl.expansion.initplan import InitPlan
from archdsl.ir.graph import Graph


@dataclass(frozen=True)
class SpecInfo:
    """The spec a graph came from, as plain data: for class names, headers and metadata."""

    name: str
    description: str
    file: str
    params: dict[str, Any]
    """The params given at load time (`archdsl.load(spec, **params)`, `-p KEY=VALUE`), not the defaults."""


@dataclass(frozen=True, eq=False)
class Lowering:
    """A backend's whole input: the expanded graph, its init plan, the spec's identity and the analysis."""

    graph: Graph
    init: InitPlan
    """Node name → parameter name → the initializer the spec's `init:` rules set."""
    spec: SpecInfo
    analyze: Callable[[], Analysis] = field(repr=False)
    """Shapes, params, MACs and receptive fields, computed on first call and shared with the model."""


class Lowerable(Protocol):
    """What hands out a Lowering: a loaded model (`archdsl.load(...)`)."""

    @property
    def lowering(self) -> Lowering: ...


def lowering_of(source: Lowering | Lowerable) -> Lowering:
    """The backend input of `source`: a Lowering as it is, or the one a loaded model hands out."""
    return source if isinstance(source, Lowering) else source.lowering
