"""The words inside boxes and cluster headings, from the IR and its analysis."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from archdsl.analysis import Analysis
from archdsl.analysis.formats import human
from archdsl.analysis.receptive import Field, number
from archdsl.backends.graphviz.labels import detail, value_text
from archdsl.ir.graph import Ref, Scope
from archdsl.ops import OPS
from archdsl.tensors import shape_text

WRAP = 44
"""Longest line of block params in a box before wrapping."""

HEADING_WRAP = 18
"""Longest line of a cluster heading: kept under about half a box's width, so the edge
running down the middle of the cluster passes beside the left-justified heading."""


def cost_line(params: int, macs: int | None) -> str:
    """`9.41K params · 118.01M MACs`; parts that are zero (or not asked for) are left out."""
    parts = [f"{human(params)} params" if params else "", f"{human(macs)} MACs" if macs else ""]
    return " · ".join(p for p in parts if p)


def rf_line(field: Field) -> str:
    """`rf 7×7 s2`: receptive field size and effective stride, in input pixels."""
    if field is None:
        return "rf global"
    sizes = "×".join(str(axis.pixels) for axis in field)
    strides = {number(axis.stride) for axis in field}
    stride = "×".join(str(number(axis.stride)) for axis in field) if len(strides) > 1 else str(strides.pop())
    return f"rf {sizes} s{stride}"


def tensor_label(analysis: Analysis, ref: Ref) -> str:
    """The shape of the tensor `ref` (batch as N), with the port name for multi-output ops."""
    graph = analysis.graph
    text = shape_text(graph.type_of(ref).shape)
    node = graph.nodes[ref.node]
    names = OPS[node.op].output_names(node.attrs)
    return f"{names[ref.port]}: {text}" if len(names) > 1 else text


def op_line(analysis: Analysis, name: str) -> str:
    node = analysis.graph.nodes[name]
    return f"{node.op} {detail(node)}".strip()


def params_lines(params: Iterable[tuple[str, Any]], lead: str, wrap: int = WRAP) -> list[str]:
    """`lead(k=v, ...)` wrapped at about `wrap` characters."""
    items = [f"{key}={value_text(value)}" for key, value in params]
    if not items:
        return [lead]
    lines, line = [], f"{lead}("
    for i, item in enumerate(items):
        piece = item + (")" if i == len(items) - 1 else ", ")
        if len(line) + len(piece) > wrap and line.strip():
            lines.append(line.rstrip())
            line = "  "
        line += piece
    return [*lines, line]


def kind_of(scope: Scope) -> str:
    """'bottleneck' for a block instance; 'graph' or 'repeat' otherwise."""
    return scope.block if scope.kind == "block" and scope.block else scope.kind


def shapes_line(analysis: Analysis, inputs: tuple[Ref, ...], outputs: tuple[Ref, ...]) -> str:
    """`N×64×56×56 → N×256×56×56`."""
    graph = analysis.graph

    def shapes(refs: tuple[Ref, ...]) -> str:
        return ", ".join(shape_text(graph.type_of(r).shape) for r in dict.fromkeys(refs))

    return f"{shapes(inputs)} → {shapes(outputs)}"


def local(name: str, within: str) -> str:
    """`layer1.0.conv1` inside `layer1.0` → `conv1`."""
    return name[len(within) + 1:] if within and name.startswith(within + ".") else name
