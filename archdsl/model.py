"""The Python API: `archdsl.load(spec, **params)` and what it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from archdsl.analysis import Analysis, analyze
from archdsl.backends import get_backend
from archdsl.expansion.expand import expand
from archdsl.expansion.initplan import InitPlan, plan_init
from archdsl.ir.graph import Graph
from archdsl.limits import DEFAULT_LIMITS, Limits
from archdsl.lowering import Lowering, SpecInfo
from archdsl.plugin import import_spec_plugins
from archdsl.progress import stage
from archdsl.spec.loader import Spec, load_spec
from archdsl.spec.reach import AllowOutside


@dataclass
class Model:
    """A loaded, expanded architecture. Analyses are computed once, on first use."""

    spec: Spec
    graph: Graph
    params: dict[str, Any] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS

    @cached_property
    def init(self) -> InitPlan:
        """The initializer the spec's `init:` rules give each parameter (absent: the op's default)."""
        return plan_init(self.spec, self.graph, self.params, self.limits)

    @cached_property
    def analysis(self) -> Analysis:
        with stage("analysing"):
            return analyze(self.graph)

    def analyze(self) -> Analysis:
        """Shapes, params, MACs, memory and receptive fields (no forward pass)."""
        return self.analysis

    @cached_property
    def lowering(self) -> Lowering:
        """What a backend reads of this model (backends never see the Model itself)."""
        spec = SpecInfo(self.spec.name, self.spec.description, self.spec.file, dict(self.params))
        return Lowering(self.graph, self.init, spec, self.analyze)

    def lower(self, backend: str, **options: Any) -> Any:
        """Lower through a named backend (`torch`, `onnx`, `graphviz`, or a plugin's)."""
        return get_backend(backend).lower(self.lowering, **options)

    def to_torch(self, **options: Any) -> Any:
        """A `torch.fx.GraphModule` built from the spec (needs the torch backend)."""
        return self.lower("torch", **options)

    def to_onnx(self, **options: Any) -> Any:
        """An ONNX `ModelProto` emitted from the IR (needs the onnx backend)."""
        return self.lower("onnx", **options)

    def to_graphviz(self, **options: Any) -> Any:
        """A `graphviz.Digraph` of the architecture (needs the graphviz backend)."""
        return self.lower("graphviz", **options)


def load(
    spec: str | Path,
    *,
    input_shapes: Mapping[str, tuple[int, ...]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    allow_plugins: bool = False,
    allow_outside: AllowOutside = (),
    **params: Any,
) -> Model:
    """Load a spec (library name or path), bind `params`, expand it into a Model.
    `allow_plugins` lets the plugin modules the spec names (`plugins:`) be imported.
    The files a spec names must lie in its own folder (and below) or the shipped library;
    `allow_outside` adds folders (docs/errors-and-limits.md, "What a spec may read")."""
    with stage("loading the spec"):
        resolved = load_spec(str(spec), limits, allow_outside)
        import_spec_plugins(resolved.plugins, allow_plugins, resolved.reach)
    with stage("expanding the graph"):
        graph = expand(resolved, params, input_shapes, limits)
    model = Model(resolved, graph, dict(params), limits)
    _ = model.init  # bad `init:` rules are spec errors: report them at load time
    return model
