"""Shape ops: identity, flatten, reshape, permute, select, index_select, split, chunk, channel_shuffle.

None computes anything (0 MACs, 0 FLOPs). The batch axis stays symbolic: an op
that would fold it into another axis, split or index it is a ShapeError.
Resampling (upsample, pad, crop) lives in archdsl/ops/resample.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from pydantic import Field, model_validator

from archdsl.errors import ShapeError
from archdsl.ops.base import (
    Family,
    Int,
    NoAttrs,
    Op,
    OpAttrs,
    Receptive,
    ReceptiveStep,
    axis,
    channels,
    groups_not_dividing,
    register,
)
from archdsl.tensors import BATCH, Dim, TensorType, shape_text


def fixed_axis(x: TensorType, dim: int, what: str) -> tuple[int, int]:
    """The normalised axis `dim` of `x` and its size; ShapeError on the batch axis."""
    d = axis(dim, x.rank)
    if x.shape[d] == BATCH:
        raise ShapeError(f"{what} may not act on the batch axis (dim={dim} of {shape_text(x.shape)})")
    return d, int(x.shape[d])


class _Shape(Op):
    family = Family.SHAPE
    view = True  # identity, flatten, reshape, select: no copy, the input's storage

    def receptive(self, a: OpAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        # Moving elements between axes ends spatial correspondence, unless nothing moved.
        return Receptive.SAME if outputs[0].shape == inputs[0].shape else Receptive.GLOBAL


@register
class Identity(_Shape):
    """Passes its input through unchanged (torch.nn.Identity)."""

    name = "identity"
    Attrs = NoAttrs

    def infer(self, a: NoAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        return [inputs[0]]


class FlattenAttrs(OpAttrs):
    start_dim: Int = 1
    end_dim: Int = -1


@register
class Flatten(_Shape):
    """Merges axes start_dim..end_dim into one (torch.nn.Flatten)."""

    name = "flatten"
    shape_formula = "axes start_dim … end_dim become one axis, their product"
    Attrs = FlattenAttrs

    def infer(self, a: FlattenAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        start, end = axis(a.start_dim, x.rank, "start_dim"), axis(a.end_dim, x.rank, "end_dim")
        if start > end:
            raise ShapeError(f"flatten: start_dim={a.start_dim} comes after end_dim={a.end_dim} for {shape_text(x.shape)}")
        merged = x.shape[start : end + 1]
        if start < end and BATCH in merged:
            raise ShapeError(f"flatten may not merge the batch axis ({shape_text(x.shape)}); use start_dim ≥ 1")
        size: Dim = merged[0] if start == end else prod(int(d) for d in merged)
        return [x.with_shape((*x.shape[:start], size, *x.shape[end + 1 :]))]


class ReshapeAttrs(OpAttrs):
    shape: list[Int] = Field(description="the new shape without the batch axis; one entry may be -1")

    @model_validator(mode="after")
    def _entries(self) -> ReshapeAttrs:
        if any(d < 1 and d != -1 for d in self.shape) or self.shape.count(-1) > 1:
            raise ValueError("shape entries must be at least 1, with at most one -1")
        return self


@register
class Reshape(_Shape):
    """Reshapes all axes but the batch axis (torch.Tensor.reshape(N, *shape))."""

    name = "reshape"
    shape_formula = "N×… → N×shape (one −1 entry is inferred)"
    Attrs = ReshapeAttrs

    def infer(self, a: ReshapeAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        if x.rank < 1 or BATCH in x.shape[1:]:
            raise ShapeError(f"reshape keeps axis 0 and needs the other axes fixed, got {shape_text(x.shape)}")
        total = prod(int(d) for d in x.shape[1:])
        known = prod(d for d in a.shape if d != -1)
        if (total % known if -1 in a.shape else total != known):
            raise ShapeError(
                f"cannot reshape {shape_text(x.shape)} ({total} elements per sample) to N×{shape_text(tuple(a.shape))}"
            )
        return [x.with_shape((x.shape[0], *(total // known if d == -1 else d for d in a.shape)))]


class PermuteAttrs(OpAttrs):
    dims: list[Int] = Field(description="a permutation of all axes, the batch axis 0 included")


@register
class Permute(Op):
    """Reorders the axes (torch.Tensor.permute); GLOBAL for the receptive field unless identity."""

    name = "permute"
    shape_formula = "axes reordered as dims says"
    family = Family.SHAPE
    view = True
    Attrs = PermuteAttrs

    def order(self, a: PermuteAttrs, x: TensorType) -> list[int]:
        if len(a.dims) != x.rank:
            raise ShapeError(f"permute: dims {a.dims} has {len(a.dims)} entries for a rank-{x.rank} input")
        order = [axis(d, x.rank) for d in a.dims]
        if sorted(order) != list(range(x.rank)):
            raise ShapeError(f"permute: dims {a.dims} repeats an axis")
        return order

    def infer(self, a: PermuteAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        return [x.with_shape(tuple(x.shape[d] for d in self.order(a, x)))]

    def receptive(self, a: PermuteAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        identity = self.order(a, inputs[0]) == list(range(inputs[0].rank))
        return Receptive.SAME if identity else Receptive.GLOBAL


class SelectAttrs(OpAttrs):
    dim: Int
    index: Int = Field(description="position along dim; negative counts from the end")


@register
class Select(_Shape):
    """Takes one slice along `dim` and drops that axis (torch.select)."""

    name = "select"
    shape_formula = "axis dim removed"
    Attrs = SelectAttrs

    def infer(self, a: SelectAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        d, size = fixed_axis(x, a.dim, "select")
        if not -size <= a.index < size:
            raise ShapeError(f"select: index {a.index} is out of range for size {size} (dim={a.dim})")
        return [x.with_shape(x.shape[:d] + x.shape[d + 1 :])]


class IndexSelectAttrs(OpAttrs):
    index: list[Int] = Field(min_length=1, description="positions along dim, in output order; repeats allowed")
    dim: Int = 1


@register
class IndexSelect(_Shape):
    """Gathers slices along `dim` by position, repeats allowed (torch.index_select): e.g. a fixed channel connection table."""

    name = "index_select"
    shape_formula = "size along dim → len(index)"
    Attrs = IndexSelectAttrs
    view = False  # a gather: torch.index_select copies into new storage

    def infer(self, a: IndexSelectAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        d, size = fixed_axis(x, a.dim, "index_select")
        wrong = [i for i in a.index if not 0 <= i < size]
        if wrong:
            raise ShapeError(f"index_select: positions {wrong} are out of range for size {size} (dim={a.dim})")
        return [x.with_shape((*x.shape[:d], len(a.index), *x.shape[d + 1 :]))]

    def receptive(self, a: IndexSelectAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        # Gathering channels keeps space; gathering along a spatial axis moves it.
        return Receptive.SAME if axis(a.dim, inputs[0].rank) < 2 else Receptive.GLOBAL


class SplitAttrs(OpAttrs):
    sizes: list[Int] = Field(min_length=1, description="size of each piece along dim")
    dim: Int = 1

    @model_validator(mode="after")
    def _positive(self) -> SplitAttrs:
        if any(s < 1 for s in self.sizes):
            raise ValueError("split sizes must be at least 1")
        return self


MAX_PIECES = 4096
"""Most outputs one chunk makes: each is a port of the graph, and no architecture needs more."""


class ChunkAttrs(OpAttrs):
    chunks: Int = Field(ge=1, le=MAX_PIECES)
    dim: Int = 1


class _Pieces(Op):
    """Cuts one axis into pieces, one output port each, named "0", "1", ..."""

    family = Family.SHAPE
    arity = (1, 1)
    view = True  # torch.split/chunk return views of the input

    def count(self, a: OpAttrs) -> int:
        raise NotImplementedError

    def pieces(self, a: OpAttrs, size: int) -> list[int]:
        raise NotImplementedError

    def output_names(self, a: OpAttrs) -> tuple[str, ...]:
        return tuple(str(i) for i in range(self.count(a)))

    def infer(self, a: SplitAttrs | ChunkAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        d, size = fixed_axis(x, a.dim, self.name)
        return [x.with_shape((*x.shape[:d], p, *x.shape[d + 1 :])) for p in self.pieces(a, size)]

    def receptive(self, a: SplitAttrs | ChunkAttrs, inputs: Sequence[TensorType], outputs: Sequence[TensorType]) -> ReceptiveStep:
        # Channel pieces keep space; pieces of a spatial axis are offset crops, not tracked.
        return Receptive.SAME if axis(a.dim, inputs[0].rank) == 1 else Receptive.GLOBAL


@register
class Split(_Pieces):
    """Splits an axis into pieces of the given sizes (torch.split with a list)."""

    name = "split"
    shape_formula = "one output per piece, of size sizes[k] along dim"
    Attrs = SplitAttrs

    def count(self, a: SplitAttrs) -> int:
        return len(a.sizes)

    def pieces(self, a: SplitAttrs, size: int) -> list[int]:
        if sum(a.sizes) != size:
            raise ShapeError(f"split sizes {a.sizes} sum to {sum(a.sizes)}, but dim={a.dim} has size {size}")
        return list(a.sizes)


@register
class Chunk(_Pieces):
    """Splits an axis into `chunks` pieces, the last possibly smaller (torch.chunk)."""

    name = "chunk"
    shape_formula = "chunks outputs of ⌈size / chunks⌉ along dim (the last one smaller)"
    Attrs = ChunkAttrs

    def count(self, a: ChunkAttrs) -> int:
        return a.chunks

    def pieces(self, a: ChunkAttrs, size: int) -> list[int]:
        step = -(-size // a.chunks)
        made = -(-size // step)
        if made != a.chunks:
            raise ShapeError(
                f"chunk: size {size} in {a.chunks} chunks gives only {made} pieces (torch.chunk pieces of {step})",
                hint="use `split` with explicit sizes",
            )
        return [step] * (made - 1) + [size - step * (made - 1)]


class ChannelShuffleAttrs(OpAttrs):
    groups: Int = Field(ge=1)


@register
class ChannelShuffle(Op):
    """Interleaves channel groups, as in ShuffleNet (torch.nn.ChannelShuffle)."""

    name = "channel_shuffle"
    family = Family.SHAPE
    Attrs = ChannelShuffleAttrs

    def infer(self, a: ChannelShuffleAttrs, inputs: Sequence[TensorType]) -> list[TensorType]:
        x = inputs[0]
        if x.rank < 3:
            raise ShapeError(f"channel_shuffle expects an N×C×... input of rank ≥ 3, got {shape_text(x.shape)}")
        if channels(x) % a.groups:
            raise groups_not_dividing(
                f"channel_shuffle: groups={a.groups} does not divide the {channels(x)} channels", a.groups, channels(x)
            )
        return [x]
