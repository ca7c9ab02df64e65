"""Two analysed models side by side: totals, block scopes, outputs.

Scopes and nodes are matched by dotted name (the spec's names are stable
across variants: `layer1.0.conv2` is the same layer in ResNet-50 and
ResNeXt-50). Nothing is built: every figure comes from the static analysis.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

from archdsl.analysis import Analysis
from archdsl.analysis.receptive import Field
from archdsl.analysis.report import Row, rows
from archdsl.ir.graph import Graph, Ref
from archdsl.tensors import Dim

T = TypeVar("T")

TOTALS = ("params", "buffers", "macs", "flops", "activation_bytes", "peak_activation_bytes",
          "training_activation_bytes")


@dataclass(frozen=True)
class Pair(Generic[T]):
    """One figure in A and in B (None where the thing does not exist on that side)."""

    a: T | None
    b: T | None

    @property
    def delta(self) -> int | None:
        """B − A for numbers present on both sides (a side that lacks it counts 0)."""
        if not isinstance(self.a, (int, type(None))) or not isinstance(self.b, (int, type(None))):
            return None
        return (self.b or 0) - (self.a or 0)

    @property
    def same(self) -> bool:
        return self.a == self.b


@dataclass(frozen=True)
class ScopeDiff:
    """One report row (a block scope rolled up at the depth asked for, or a node) in A and B."""

    name: str
    op: Pair[str]
    params: Pair[int]
    macs: Pair[int]
    activation_bytes: Pair[int]
    shape: Pair[tuple[Dim, ...]]
    rf: Pair[tuple[int, ...]]

    @property
    def status(self) -> str:
        if self.op.a is None:
            return "added"
        if self.op.b is None:
            return "removed"
        figures = (self.op, self.params, self.macs, self.activation_bytes, self.shape, self.rf)
        return "same" if all(p.same for p in figures) else "changed"


@dataclass(frozen=True)
class OutputDiff:
    """A graph output: its shape and the receptive field of the last spatial node before it."""

    name: str
    shape: Pair[tuple[Dim, ...]]
    rf: Pair[tuple[int, ...]]
    rf_node: Pair[str]


def rf_size(field: Field) -> tuple[int, ...] | None:
    """A receptive field as input pixels per spatial axis (None where it is global)."""
    return None if field is None else tuple(axis.pixels for axis in field)


def scope_diffs(a: Analysis, b: Analysis, depth: int | None) -> list[ScopeDiff]:
    """Rows of both reports at `depth`, matched by name, in an order that keeps both sides' order."""
    rows_a = {row.name: row for row in rows(a, depth)}
    rows_b = {row.name: row for row in rows(b, depth)}
    return [_scope(name, rows_a.get(name), rows_b.get(name), a, b) for name in merged_order(list(rows_a), list(rows_b))]


def merged_order(a: list[str], b: list[str]) -> list[str]:
    """Both name lists as one: common names once, each side's own names where they sit."""
    merged: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        merged += a[i1:i2]
        if tag != "equal":
            merged += b[j1:j2]
    return merged


def _scope(name: str, row_a: Row | None, row_b: Row | None, a: Analysis, b: Analysis) -> ScopeDiff:
    def pick(get: Callable[[Row, Analysis], Any]) -> Pair[Any]:
        return Pair(get(row_a, a) if row_a else None, get(row_b, b) if row_b else None)

    return ScopeDiff(
        name=name,
        op=pick(lambda r, _: r.op),
        params=pick(lambda r, _: r.params),
        macs=pick(lambda r, _: r.macs),
        activation_bytes=pick(lambda r, an: activation_bytes(an, r.name)),
        shape=pick(lambda r, _: r.shape),
        rf=pick(lambda r, _: rf_size(r.field)),
    )


def activation_bytes(analysis: Analysis, name: str) -> int:
    """Bytes of the activations a node, or every node of a scope, writes in inference."""
    graph = analysis.graph
    if name not in graph.scopes:
        return analysis.costs[name].activation_bytes if name in analysis.inference else 0
    inside = [n.name for n in graph if n.scope == name or n.scope.startswith(name + ".")]
    return sum(analysis.costs[n].activation_bytes for n in inside if n in analysis.inference)


def output_diffs(a: Analysis, b: Analysis) -> list[OutputDiff]:
    """Every output of either side: shape, and the receptive field where it is last spatial."""
    names = merged_order(list(a.graph.outputs), list(b.graph.outputs))
    found = []
    for name in names:
        ends = [_spatial_end(side, name) for side in (a, b)]
        found.append(OutputDiff(
            name,
            Pair(*(side.graph.type_of(side.graph.outputs[name].ref).shape if name in side.graph.outputs else None
                   for side in (a, b))),
            Pair(*(rf_size(side.fields.fields[end]) if end else None for side, end in zip((a, b), ends, strict=True))),
            Pair(*ends),
        ))
    return found


def _spatial_end(analysis: Analysis, output: str) -> str | None:
    """The output's node, or the nearest node before it (along first inputs) that has a spatial field."""
    graph: Graph = analysis.graph
    if output not in graph.outputs:
        return None
    ref: Ref | None = graph.outputs[output].ref
    while ref is not None:
        if analysis.fields.fields[ref.node] is not None:
            return ref.node
        inputs = graph.nodes[ref.node].inputs
        ref = inputs[0] if inputs else None
    return None


def totals(a: Analysis, b: Analysis) -> dict[str, Pair[int]]:
    """Whole-model figures, A and B."""
    ta, tb = asdict(a.totals), asdict(b.totals)
    return {key: Pair(ta[key], tb[key]) for key in TOTALS}
