"""Small helpers shared by the ONNX rules: typed constants, per-axis attributes, reshapes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from archdsl.tensors import BATCH, TensorType
from backends.onnx.dtypes import numpy_dtype
from backends.onnx.table import Site


def scalar(site: Site, value: float, suffix: str = "", dtype: str | None = None) -> str:
    """A 0-d constant of the input's dtype (or `dtype`)."""
    return site.const(np.array(value, dtype=numpy_dtype(dtype or site.inputs[0].dtype)), suffix)


def ints(site: Site, values: Sequence[int], suffix: str = "") -> str:
    """A 1-D int64 constant (shapes, axes, sizes)."""
    return site.const(np.array(list(values), dtype=np.int64), suffix)


def per_axis(value: int | Sequence[int], n: int) -> list[int]:
    """An int-or-list attribute as one int per spatial axis."""
    return [value] * n if isinstance(value, int) else list(value)


def reshape_dims(source: TensorType, target: TensorType) -> list[int]:
    """Reshape's shape input from `source` to `target`: static sizes, the batch axis copied (0)
    where it keeps its position, inferred (-1) where it moves."""
    dims = []
    for i, d in enumerate(target.shape):
        if d == BATCH:
            dims.append(0 if i < source.rank and source.shape[i] == BATCH else -1)
        else:
            dims.append(int(d))
    return dims


def reshape(site: Site, x: str, source: TensorType, target: TensorType, suffix: str = "reshape") -> str:
    """Reshape `x` (of type `source`) to the static-but-batch shape of `target`."""
    return site.op("Reshape", x, ints(site, reshape_dims(source, target), f"{suffix}_shape"), suffix=suffix)


def channel_view(site: Site, value: str, rank: int, suffix: str) -> str:
    """A per-channel vector (C,) reshaped to broadcast against N×C×... of `rank` axes."""
    if rank <= 2:
        return value
    return site.op("Reshape", value, ints(site, [-1] + [1] * (rank - 2), f"{suffix}_shape"), suffix=suffix)
