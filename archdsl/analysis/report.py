"""Rows of an analysis report, optionally rolled up by block scope, and its JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from archdsl.analysis import Analysis
from archdsl.analysis.receptive import AxisField, Field, number
from archdsl.ir.graph import Node, Ref
from archdsl.tensors import Dim


@dataclass(frozen=True)
class Row:
    """One line of a report: a node, or a block scope rolled up at `--depth`."""

    name: str
    op: str
    scope: str
    inputs: tuple[str, ...]
    shape: tuple[Dim, ...]
    params: int
    macs: int
    field: Field
    train_only: bool


def rows(analysis: Analysis, depth: int | None = None) -> list[Row]:
    """One row per node; with `depth`, scopes deeper than it become one row each."""
    graph = analysis.graph
    found: list[Row | str] = []
    members: dict[str, list[Node]] = {}
    for node in graph:
        scope = _ancestor_at(node.scope, depth) if depth is not None else None
        if scope is None:
            found.append(_node_row(analysis, node.name))
            continue
        if scope not in members:
            members[scope] = []
            found.append(scope)  # its row is made once all its members are known
        members[scope].append(node)
    return [_scope_row(analysis, row, members[row]) if isinstance(row, str) else row for row in found]


def _ancestor_at(scope: str, depth: int) -> str | None:
    parts = scope.split(".") if scope else []
    return ".".join(parts[: depth + 1]) if len(parts) > depth else None


def _node_row(analysis: Analysis, name: str) -> Row:
    graph, cost = analysis.graph, analysis.costs[name]
    node = graph.nodes[name]
    return Row(
        name=name,
        op=node.op,
        scope=node.scope,
        inputs=tuple(str(r) for r in node.inputs),
        shape=graph.types[name][0].shape,
        params=cost.params,
        macs=cost.macs,
        field=analysis.fields.fields[name],
        train_only=name in analysis.train_only,
    )


def _scope_row(analysis: Analysis, scope_name: str, members: list[Node]) -> Row:
    """A scope rolled up: `members` are the nodes inside it, at any depth."""
    graph = analysis.graph
    scope = graph.scopes[scope_name]
    out: Ref = scope.outputs[0] if scope.outputs else Ref(members[-1].name)
    kind = scope.block or scope.kind
    train_only = all(n.name in analysis.train_only for n in members)
    running = analysis.train_only if train_only else analysis.inference
    return Row(
        name=scope_name,
        op=f"{scope.kind}:{kind}" if scope.block else scope.kind,
        scope=scope.parent,
        inputs=tuple(str(r) for r in scope.inputs),
        shape=graph.type_of(out).shape,
        params=sum(analysis.costs[n.name].params for n in members),
        # what the row's nodes run: a train-only scope's in training, any other's at inference
        macs=sum(analysis.costs[n.name].macs for n in members if n.name in running),
        field=analysis.fields.fields[out.node],
        train_only=train_only,
    )


def field_json(field: Field) -> dict[str, list[int | float]] | None:
    if field is None:
        return None
    size, stride, start = _field_numbers(field)
    return {"size": list(size), "stride": list(stride), "start": list(start)}


@lru_cache(maxsize=4096)
def _field_numbers(field: tuple[AxisField, ...]) -> tuple[tuple[int | float, ...], ...]:
    """A field's JSON numbers, once per distinct field: a chain of activations and norms
    passes one field on, and a repeated block reaches the same fields again."""
    return (tuple(axis.pixels for axis in field), tuple(number(axis.stride) for axis in field),
            tuple(number(axis.start) for axis in field))


def to_json(analysis: Analysis, depth: int | None = None) -> dict[str, Any]:
    """The documented, stable JSON form of `archdsl analyze --format json`."""
    graph = analysis.graph
    return {
        "name": graph.name,
        "inputs": {name: list(t.shape) for name, t in graph.inputs.items()},
        "totals": asdict(analysis.totals),
        "nodes": [
            {
                "name": row.name,
                "op": row.op,
                "scope": row.scope,
                "inputs": list(row.inputs),
                "shape": list(row.shape),
                "params": row.params,
                "macs": row.macs,
                "rf": field_json(row.field),
                "train_only": row.train_only,
            }
            for row in rows(analysis, depth)
        ],
        "outputs": {name: list(graph.type_of(out.ref).shape) for name, out in graph.outputs.items()},
        "train_only_outputs": [name for name, out in graph.outputs.items() if out.train_only],
        "warnings": [{"node": w.node, "message": w.message} for w in analysis.fields.warnings],
    }
