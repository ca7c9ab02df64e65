"""`archdsl diff`: two architectures (or one under two parameter sets) compared without
building either: totals, block scopes, outputs and nodes, matched by name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archdsl.diff.compare import OutputDiff, Pair, ScopeDiff, output_diffs, scope_diffs, totals
from archdsl.diff.nodes import Change, NodeDiff, node_diffs
from archdsl.expansion.params import SpecParams, bind_params
from archdsl.model import Model


@dataclass(frozen=True)
class Side:
    """One of the two models: its spec's name, the params it was loaded with, a display label."""

    spec: str
    label: str
    params: dict[str, Any]
    """Every spec param's value (defaults and overrides)."""


@dataclass(frozen=True)
class ModelDiff:
    """Everything `archdsl diff` reports."""

    a: Side
    b: Side
    depth: int | None
    totals: dict[str, Pair[int]]
    scopes: list[ScopeDiff]
    outputs: list[OutputDiff]
    nodes: list[NodeDiff]


def diff_models(a: Model, b: Model, depth: int | None = 0) -> ModelDiff:
    """Compare `a` and `b`; scopes deeper than `depth` are rolled up (None: every node)."""
    analysis_a, analysis_b = a.analyze(), b.analyze()
    return ModelDiff(
        a=_side(a, b), b=_side(b, a), depth=depth,
        totals=totals(analysis_a, analysis_b),
        scopes=scope_diffs(analysis_a, analysis_b, depth),
        outputs=output_diffs(analysis_a, analysis_b),
        nodes=node_diffs(a.graph, b.graph),
    )


def _side(model: Model, other: Model) -> Side:
    """A label that tells the two sides apart: the spec's name and, when both sides have the
    same name, the param values that differ."""
    values, others = bound_params(model), bound_params(other)
    label = model.graph.name
    if model.graph.name == other.graph.name:
        shown = [f"{k}={_text(values[k])}" for k in values if k not in others or others[k] != values[k]]
        label += f" ({', '.join(shown)})" if shown else ""
    return Side(model.graph.name, label, values)


def bound_params(model: Model) -> dict[str, Any]:
    """Every spec param's value in `model`: its defaults with the given overrides."""
    return bind_params(SpecParams(model.spec, model.limits), model.params, {})


def _text(value: Any) -> str:
    return "[" + ",".join(_text(v) for v in value) + "]" if isinstance(value, list) else str(value)


__all__ = ["Change", "ModelDiff", "NodeDiff", "OutputDiff", "Pair", "ScopeDiff", "Side", "diff_models"]
