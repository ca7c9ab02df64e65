"""Receptive fields, per node and spatial axis, by the closed-form recurrences of
Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural
Networks", Distill 2019 (eqs. for r_0, S_0 and u_0):

    size_out  = size_in + (kernel - 1) × stride_in
    stride_out = stride_in × stride
    start_out = start_in - padding × stride_in

Output unit v of a node sees input positions [start + v·stride, start + v·stride
+ size - 1]. Transposed convolution and upsampling have fractional strides (see
`Window.transposed`): their output units read whole input units, some more than
others, so past such an op the field is tracked unit by unit over one period
(`AxisField`), which keeps sizes and starts exact integers of input pixels. Where
paths merge, the field is the union of the branches' fields, unit by unit;
different strides or centres are reported as warnings. A branch without a field (a
squeeze-excitation gate computed from global pooling) does not end the field of the
branches it rescales: the reported field is the local window, as the literature
reports it. A node whose output depends on the whole input (global pooling,
flatten) has no field (None).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from archdsl.ir.graph import Graph, Node
from archdsl.ops import OPS, Op, OpAttrs, Receptive, Window
from archdsl.tensors import TensorType


class AxisField(NamedTuple):
    """The receptive field along one spatial axis, in input pixels, exact for every output unit.

    Unit v = q·period + m sees input pixels [lo[m] + q·advance, hi[m] + q·advance]. Integer
    strides keep the period at 1, and then the fields are the paper's (size hi − lo + 1, stride
    `advance`, start lo). A fractional stride (transposed convolution, upsampling) makes the
    units within a period read different numbers of pixels: tracking them one by one keeps the
    size exact where adding fractional window sizes would overstate it (a ×8 transposed conv
    after a stride-8 conv reads 2 of its units, not 2.875). (A NamedTuple: hundreds are made
    per model, and a tuple is cheap to make and compare.)"""

    lo: tuple[int, ...]
    hi: tuple[int, ...]
    """hi < lo: the unit reads no input pixel (a zero a transposed conv inserts)."""
    advance: int
    centre2: Fraction | int = 0
    """Twice the centre of unit 0's field under the continuous coordinate map (the paper's
    recurrence, fractional past upsampling), which is what aligning branches means: FCN's
    crop offsets align these, while the centres of the integer pixel sets can differ by half a unit."""

    @property
    def period(self) -> int:
        return len(self.lo)

    @property
    def pixels(self) -> int:
        """How many input pixels one output unit can see (the max over units)."""
        lo, hi = self.lo, self.hi
        if len(lo) == 1:  # integer strides (the usual): one unit, no generator to run
            return hi[0] - lo[0] + 1 if hi[0] >= lo[0] else 0
        return max((last - first + 1 for first, last in zip(self.lo, self.hi, strict=True) if last >= first), default=0)

    @property
    def size(self) -> int:
        """The same as `pixels`: the paper's r, the size of the field in input pixels."""
        return self.pixels

    @property
    def stride(self) -> Fraction | int:
        """Input pixels per output unit, on average (the effective stride)."""
        return self.advance if len(self.lo) == 1 else Fraction(self.advance, len(self.lo))

    @property
    def start(self) -> int:
        """The first input pixel output unit 0 sees (negative: in the padding)."""
        return self.lo[0]

    def first(self, unit: int) -> int:
        q, m = divmod(unit, len(self.lo))
        return self.lo[m] + q * self.advance

    def last(self, unit: int) -> int:
        q, m = divmod(unit, len(self.hi))
        return self.hi[m] + q * self.advance

    def step(self, window: Window, units: int | None = None) -> AxisField:
        """The field after an op whose unit v reads this field's units in window (see Window).
        `units`, the output's size along the axis, bounds the period: repeated non-integer
        scales (×1.25 again and again) would otherwise grow it geometrically. Past a bounded
        period the field is exact for the output's own units and extrapolated beyond them."""
        kernel, stride, padding = window.kernel, window.stride, window.padding
        lo, hi, advance, centre2 = self
        if len(lo) == 1 and hi[0] >= lo[0] and type(kernel) is int and type(stride) is int and type(padding) is int:
            return AxisField((lo[0] - padding * advance,), (hi[0] + (kernel - 1 - padding) * advance,), advance * stride,
                             centre2 + (kernel - 1 - 2 * padding) * advance)
        numerator, denominator, scale, step, offset, width, moved = _grid(kernel, stride, padding)
        period = denominator * len(lo) // math.gcd(numerator, len(lo))
        if units is not None and period > units:
            period = max(units, 1)
        los, his = [], []
        whole = all(last >= first for first, last in zip(lo, hi, strict=True))  # no unit reads nothing
        for v in range(period):
            at = v * step - offset
            begin, end = -(-at // scale), (at + width) // scale
            if whole and begin <= end:  # lo and hi grow with the unit: the ends bound the union
                los.append(self.first(begin))
                his.append(self.last(end))
                continue
            seen = [u for u in range(begin, end + 1) if self.last(u) >= self.first(u)]
            if seen:
                los.append(min(self.first(u) for u in seen))
                his.append(max(self.last(u) for u in seen))
            else:
                los.append(self.first(begin))
                his.append(self.first(begin) - 1)
        return AxisField(tuple(los), tuple(his), numerator * period * advance // (denominator * len(lo)),
                         centre2 + moved * Fraction(advance, len(lo)))  # (floored only for a bounded period)

    def cycle(self, period: int) -> AxisField:
        """The same field written over `period` units (a multiple of its own)."""
        return AxisField(tuple(map(self.first, range(period))), tuple(map(self.last, range(period))),
                         self.advance * period // len(self.lo), self.centre2)


@lru_cache(maxsize=1024)
def _grid(kernel: Fraction | int, stride: Fraction | int, padding: Fraction | int) -> tuple[int, int, int, int, int, int, Fraction]:
    """A window in integers: unit v reads units ceil(at / scale) … floor((at + width) / scale)
    with at = v·step − offset; the stride as numerator / denominator; and how far the
    window's centre moves unit 0's, doubled, in input units (kernel − 1 − 2·padding)."""
    ratio, shift, reach = Fraction(stride), Fraction(padding), Fraction(kernel) - 1
    scale = math.lcm(ratio.denominator, shift.denominator, reach.denominator)
    return (ratio.numerator, ratio.denominator, scale, ratio.numerator * (scale // ratio.denominator),
            shift.numerator * (scale // shift.denominator), reach.numerator * (scale // reach.denominator),
            reach - 2 * shift)


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


UNIT = AxisField((0,), (0,), 1, 0)


def receptive_fields(graph: Graph) -> ReceptiveFields:
    """The field of every node (None where it is global or not spatial)."""
    fields: dict[str, Field] = {}
    warnings: list[FieldWarning] = []
    passing = _passing_ops()
    for node in graph:
        if node.is_input:
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
    sizes = graph.types[node.name][0].shape[2:]
    return tuple(axis.step(window, units) for axis, window, units in zip(field, step, sizes, strict=True))


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
        _compare(branch, messages)
        if all(len(a.lo) == 1 and a.hi[0] >= a.lo[0] for a in branch):  # integer strides: the paper's case
            axes.append(AxisField((min(a.lo[0] for a in branch),), (max(a.hi[0] for a in branch),),
                                  max(a.advance for a in branch), _middle(branch)))
        else:
            period = math.lcm(*(a.period for a in branch))
            axes.append(_union([a.cycle(period) for a in branch], period))
    warnings.extend(FieldWarning(node.name, message, kind) for message, kind in messages.items())
    return tuple(axes)


def _compare(branch: tuple[AxisField, ...], messages: dict[str, str]) -> None:
    """Warn where merging branches differ in effective stride or, at one stride, in centre."""
    strides = {a.stride for a in branch}
    if len(strides) > 1:
        messages[f"merges branches with different effective strides {_show(strides)}"] = "stride"
        return
    centres = {a.centre2 for a in branch}
    if len(centres) > 1:
        messages[f"merges branches whose fields are misaligned (centres {_show({Fraction(c, 2) for c in centres})})"] = "misaligned"


def _middle(fields: Iterable[AxisField]) -> Fraction | int:
    """The merged field's centre2: the branches' own when they agree, else the middle of theirs."""
    centres = [f.centre2 for f in fields]
    low, high = min(centres), max(centres)
    return low if low == high else Fraction(low + high, 2)


def _union(fields: list[AxisField], period: int) -> AxisField:
    """Unit by unit, the pixels any branch reads (a branch's empty units add nothing)."""
    los, his = [], []
    for m in range(period):
        read = [(f.lo[m], f.hi[m]) for f in fields if f.hi[m] >= f.lo[m]]
        los.append(min(lo for lo, _ in read) if read else fields[0].lo[m])
        his.append(max(hi for _, hi in read) if read else fields[0].lo[m] - 1)
    return AxisField(tuple(los), tuple(his), max(f.advance for f in fields), _middle(fields))


def _show(values: set[Fraction]) -> str:
    return "/".join(str(number(v)) for v in sorted(values))


def number(value: Fraction | int) -> int | float:
    """A Fraction as JSON wants it: an int when whole."""
    if isinstance(value, int):  # the common case, without making a Fraction
        return value
    return int(value) if Fraction(value).denominator == 1 else float(value)
