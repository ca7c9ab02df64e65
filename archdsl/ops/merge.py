"""Joins of several branches: add, mul (broadcasting), mean, concat.

For the receptive field every join is Receptive.SAME: the analysis merges the
branches' fields. concat along a spatial axis is the exception (GLOBAL): the
second input lands at an offset that one step cannot describe.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from archdsl.errors import ShapeError
from archdsl.ops.base import Family, Int, NoAttrs, Op, OpAttrs, Receptive, ReceptiveStep, axis, expect_float, register
from archdsl.ops.regularization import Probability
from archdsl.tensors import BATCH, Dim, TensorType, shape_text


def same_dtype(inputs: Sequence[TensorType], what: str) -> str:
    dtypes = sorted({x.dtype for x in inputs})
    if len(dtypes) > 1:
        raise ShapeError(f"{what} inputs have different dtypes: {', '.join(dtypes)}")
    return dtypes[0]


def broadcast(a: tuple[Dim, ...], b: tuple[Dim, ...]) -> tuple[Dim, ...]:
    """NumPy broadcasting of two shapes; the symbolic batch matches itself or 1."""
    rank = max(len(a), len(b))
    a_full, b_full = (1,) * (rank - len(a)) + a, (1,) * (rank - len(b)) + b
    out: list[Dim] = []
    for i, (p, q) in enumerate(zip(a_full, b_full, strict=True)):
        if p != q and 1 not in (p, q):
            raise ShapeError(
                f"shapes {shape_text(a)} and {shape_text(b)} do not broadcast: axis {i - rank} has sizes {p} and {q}",
                hint="sizes must be equal or 1 on every axis, aligned from the right",
            )
        out.append(q if p == 1 else p)
    return tuple(out)


class _Join(Op):
    family = Family.MERGE
    Attrs = NoAttrs
    arity = (2, None)
    flop_formula = "(inputs − 1) × out_numel"

    def flops(self, a: OpAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return (len(inputs) - 1) * outputs[0].numel()


class _Broadcasting(_Join):
    shape_formula = "the inputs' shapes broadcast together (NumPy rules)"

    def infer(self, a: NoAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        dtype = same_dtype(inputs, self.name)
        shape = inputs[0].shape
        for x in inputs[1:]:
            shape = broadcast(shape, x.shape)
        return [TensorType(shape, dtype)]


@register
class Add(_Broadcasting):
    """Element-wise sum of n ≥ 2 inputs with NumPy broadcasting (torch.add); residual joins."""

    name = "add"
    reuses_input = True


@register
class Mul(_Broadcasting):
    """Element-wise product of n ≥ 2 inputs with NumPy broadcasting (torch.mul); squeeze-excitation gates."""

    name = "mul"


class MeanAttrs(OpAttrs):
    drop_path: Probability = Field(
        0.0, description="training only: per sample, drop each input with this probability (keeping at least one) and average the rest"
    )


@register
class Mean(_Join):
    """Element-wise average of n ≥ 2 equal-shape inputs (torch.stack(xs).mean(0)); FractalNet joins, with local drop-path."""

    name = "mean"
    shape_formula = "n inputs of one shape → that shape"
    Attrs = MeanAttrs
    flop_formula = "inputs × out_numel (sums and one divide)"

    def infer(self, a: MeanAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        dtype = same_dtype(inputs, self.name)
        expect_float(inputs[0])  # an average of integers has no integer type (torch refuses it)
        for x in inputs[1:]:
            if x.shape != inputs[0].shape:
                raise ShapeError(f"mean needs equal shapes, got {shape_text(inputs[0].shape)} and {shape_text(x.shape)}")
        return [TensorType(inputs[0].shape, dtype)]

    def flops(self, a: MeanAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return len(inputs) * outputs[0].numel()


class ConcatAttrs(OpAttrs):
    dim: Int = 1


@register
class Concat(_Join):
    """Concatenation along `dim`, channels by default (torch.cat)."""

    name = "concat"
    shape_formula = "inputs equal on every axis but dim → sizes along dim summed"
    Attrs = ConcatAttrs
    flop_formula = "0"

    def check(self, a: ConcatAttrs, first: TensorType, x: TensorType, d: int) -> None:
        if x.rank != first.rank:
            raise ShapeError(f"concat: inputs of rank {first.rank} and {x.rank} ({shape_text(first.shape)}, {shape_text(x.shape)})")
        for i, (p, q) in enumerate(zip(first.shape, x.shape, strict=True)):
            if i != d and p != q:
                raise ShapeError(
                    f"concat along dim {a.dim}: axis {i} differs, {p} in {shape_text(first.shape)} vs {q} in {shape_text(x.shape)}",
                    hint="every axis but the concatenated one must match",
                )

    def infer(self, a: ConcatAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        first = inputs[0]
        dtype = same_dtype(inputs, self.name)
        d = axis(a.dim, first.rank)
        for x in inputs[1:]:
            self.check(a, first, x, d)
        if any(x.shape[d] == BATCH for x in inputs):
            raise ShapeError(f"concat may not join along the batch axis (dim={a.dim})")
        size = sum(int(x.shape[d]) for x in inputs)
        return [TensorType((*first.shape[:d], size, *first.shape[d + 1 :]), dtype)]

    def flops(self, a: ConcatAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> int:
        return 0

    def receptive(self, a: ConcatAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        return Receptive.GLOBAL if axis(a.dim, inputs[0].rank) >= 2 else Receptive.SAME
