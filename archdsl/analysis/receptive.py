"""Receptive fields, per node and spatial axis, by the closed-form recurrences of
Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural
Networks", Distill 2019 (eqs. for r_0, S_0 and u_0):

    size_out  = size_in + (kernel - 1) × stride_in
    stride_out = stride_in × stride
    start_out = start_in - padding × stride_in

Output unit v of a node sees input positions [start + v·stride, start + v·stride
+ size - 1]. Transposed convolution and upsampling enter as fractional strides
(see `Window.transposed`). Where paths merge, the field is the union of the
branches' fields (the max size when they are centred alike); different strides
or centres are reported as warnings. A branch without a field (a squeeze-excitation
gate computed from global pooling) does not end the field of the branches it
rescales: the reported field is the local window, as the literature reports it. A node whose output depends on the whole
input (global pooling, flatten) has no field (None).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from archdsl.ir.graph import Graph, Node
from archdsl.ir.types import TensorType
from archdsl.ops import OPS, Op, OpAttrs, Receptive, Window


class AxisField(NamedTuple):
    """The receptive field of output unit 0 along one spatial axis, in input pixels.
    (A NamedTuple: hundreds are made per model, and a tuple is cheap to make and compare.)"""

    size: Fraction | int
    stride: Fraction | int
    start: Fraction | int

    @property
    def pixels(self) -> int:
        """How many input pixels one output unit can see (the max over units)."""
        return math.floor(self.size - 1) + 1

    @property
    def center(self) -> Fraction:
        return self.start + (self.size - 1) / 2

    def step(self, window: Window) -> AxisField:
        size, stride, start = self
        return AxisField(size + (window.kernel - 1) * stride, stride * window.stride, start - window.padding * stride)


Field = tuple[AxisField, ...] | None


@dataclass(frozen=True)
class FieldWarning:
    """A merge of branches whose fields disagree."""

    node: str
    message: str
    kind: str = "stride"
    """'stride' (the branches' effective strides differ) or 'misaligned' (same stride, other centres)."""


@dataclass(frozen=True)
class ReceptiveFields:
    fields: dict[str, Field]
    warnings: tuple[FieldWarning, ...]


UNIT = AxisField(1, 1, 0)


def receptive_fields(graph: Graph) -> ReceptiveFields:
    """The field of every node (None where it is global or not spatial)."""
    fields: dict[str, Field] = {}
    warnings: list[FieldWarning] = []
    passing = _passing_ops()
    for node in graph:
        if node.op == "input":
            shape = graph.types[node.name][0].shape
            fields[node.name] = (UNIT,) * (len(shape) - 2) if len(shape) >= 3 else None
            continue
        inputs = node.inputs
        merged = fields[inputs[0].node] if len(inputs) == 1 else _merge(node, [fields[r.node] for r in inputs], warnings)
        fields[node.name] = merged if node.op in passing else _apply(graph, node, merged)
    return ReceptiveFields(fields, tuple(warnings))


def _passing_ops() -> frozenset[str]:
    """Ops whose step is always `Receptive.SAME` (they keep Op's own `receptive`): activations,
    norms, element-wise merges. Their fields pass through without a step to look up."""
    return frozenset(name for name, op in OPS.items() if type(op).receptive is Op.receptive)


@lru_cache(maxsize=8192)
def _step(op_name: str, attrs: OpAttrs, inputs: tuple[TensorType, ...], outputs: tuple[TensorType, ...]) -> object:
    return OPS[op_name].receptive(attrs, inputs, outputs)


def _apply(graph: Graph, node: Node, field: Field) -> Field:
    if field is None:
        return None
    step = _step(node.op, node.attrs, tuple(graph.input_types(node)), graph.types[node.name])
    if step == Receptive.SAME:
        return field
    if step == Receptive.GLOBAL or len(step) != len(field):
        return None
    return tuple(axis.step(window) for axis, window in zip(field, step, strict=True))


def _merge(node: Node, fields: list[Field], warnings: list[FieldWarning]) -> Field:
    if len(fields) == 1:
        return fields[0]
    # A branch that already depends on the whole input (a squeeze-excitation gate, a global
    # context vector) only rescales the spatial branches: the local field is theirs.
    fields = [f for f in fields if f is not None]
    if not fields or len({len(f) for f in fields}) != 1:
        return None
    if len(fields) == 1:
        return fields[0]
    axes = []
    messages: dict[str, str] = {}
    for branch in zip(*fields, strict=True):  # type: ignore[misc]
        strides = {a.stride for a in branch}
        centers = {a.center for a in branch}
        if len(strides) > 1:
            messages[f"merges branches with different effective strides {_show(strides)}"] = "stride"
        elif len(centers) > 1:
            messages[f"merges branches whose fields are misaligned (centres {_show(centers)})"] = "misaligned"
        start = min(a.start for a in branch)
        end = max(a.start + a.size - 1 for a in branch)
        axes.append(AxisField(end - start + 1, max(strides), start))
    warnings.extend(FieldWarning(node.name, message, kind) for message, kind in messages.items())
    return tuple(axes)


def _show(values: set[Fraction]) -> str:
    return "/".join(str(number(v)) for v in sorted(values))


def number(value: Fraction | int) -> int | float:
    """A Fraction as JSON wants it: an int when whole."""
    if isinstance(value, int):  # the common case, without making a Fraction
        return value
    return int(value) if Fraction(value).denominator == 1 else float(value)
