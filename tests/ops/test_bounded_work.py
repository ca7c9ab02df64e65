"""Cost formulas do O(1) work per node whatever the sizes (a long fuzz run found adaptive
pooling enumerating its windows: a 10⁹-wide axis took minutes and gigabytes)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from archdsl.ops import OPS
from archdsl.ops.pool import adaptive_reads
from archdsl.ops.shape import MAX_PIECES
from archdsl.tensors import BATCH, TensorType


@given(size=st.integers(1, 400), out=st.integers(1, 400))
def test_adaptive_reads_counts_every_window_element(size: int, out: int) -> None:
    # PyTorch's adaptive pooling (aten/src/ATen/native/AdaptiveAveragePooling.cpp): window i is
    # [floor(i·size/out), ceil((i+1)·size/out)).
    windows = [((i + 1) * size + out - 1) // out - (i * size) // out for i in range(out)]
    assert adaptive_reads(size, out) == sum(windows)


def test_adaptive_pooling_of_a_huge_axis_is_costed_at_once() -> None:
    op = OPS["adaptive_avgpool2d"]
    attrs = op.Attrs.model_validate({"size": [None, 3]})
    x = TensorType((BATCH, 2, 10**9, 10**9))
    (y,) = op.infer(attrs, [x])
    assert y.shape == (BATCH, 2, 10**9, 3)
    assert op.flops(attrs, [x], [y]) == 2 * (10**9) * (10**9 + 3 - 1)


def test_chunk_pieces_are_bounded() -> None:
    op = OPS["chunk"]
    assert len(op.infer(op.Attrs.model_validate({"chunks": MAX_PIECES}), [TensorType((BATCH, MAX_PIECES))])) == MAX_PIECES
    with pytest.raises(ValidationError, match="less than or equal to 4096"):
        op.Attrs.model_validate({"chunks": 10**9})


def test_recurrent_layers_are_bounded() -> None:
    # A long fuzz run drew num_layers=10⁹ through a -p override: listing a billion layers'
    # weights was killed for memory.
    op = OPS["lstm"]
    with pytest.raises(ValidationError, match="less than or equal to 1024"):
        op.Attrs.model_validate({"hidden": 8, "num_layers": 10**9})
