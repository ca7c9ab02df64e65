"""Shape, resampling, merge and element-wise ops against PyTorch (see test_against_torch.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any

import pytest
import torch
import torch.nn.functional as F
import torchvision
from hypothesis import given, settings
from hypothesis import strategies as st

from archdsl.errors import ShapeError
from archdsl.ops import OPS
from archdsl.tensors import BATCH, TensorType

N = BATCH
EXAMPLES = settings(max_examples=60)


def typ(*shape: int | str) -> TensorType:
    return TensorType((N, *shape))


def shapes(low: int = 1, high: int = 4, rank: tuple[int, int] = (2, 4)) -> st.SearchStrategy[TensorType]:
    """N × 1..3 (or as `rank` says) axes of size low..high."""
    dims = st.lists(st.integers(low, high), min_size=rank[0] - 1, max_size=rank[1] - 1)
    return dims.map(lambda d: typ(*d))


def tup(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def non_batch_axis(data: st.DataObject, rank: int) -> int:
    return data.draw(st.sampled_from([d for d in range(-rank, rank) if d % rank != 0]))


# -- upsample and pad ------------------------------------------------------------------


@st.composite
def upsample_attrs(draw: Callable[..., Any], n: int) -> dict[str, Any]:
    mode = draw(st.sampled_from(["nearest", "bilinear"]))
    attrs: dict[str, Any] = {"mode": mode}
    if mode == "bilinear":
        attrs["align_corners"] = draw(st.sampled_from([None, True, False]))
    factor = st.one_of(st.integers(1, 3), st.sampled_from([0.5, 0.7, 1.5, 1.75, 2.5, 3.0]))
    if draw(st.booleans()):
        attrs["scale"] = draw(st.one_of(factor, st.lists(factor, min_size=n, max_size=n)))
    else:
        attrs["size"] = draw(st.one_of(st.integers(1, 7), st.lists(st.integers(1, 7), min_size=n, max_size=n)))
    return attrs


@EXAMPLES
@given(data=st.data())
def test_upsample(oracle: Any, data: st.DataObject) -> None:
    x = data.draw(shapes(1, 5, (3, 4)))
    a = data.draw(upsample_attrs(x.rank - 2))
    build = lambda: torch.nn.Upsample(tup(a.get("size")), tup(a.get("scale")), a["mode"], a.get("align_corners"))  # noqa: E731
    oracle.run_both("upsample", a, [x], build)


@EXAMPLES
@given(data=st.data())
def test_pad(oracle: Any, data: st.DataObject) -> None:
    x = data.draw(shapes(1, 4, (2, 5)))
    mode = data.draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    low = -2 if mode == "constant" else 0
    pads = data.draw(st.lists(st.integers(low, 4), min_size=2, max_size=2 * x.rank - 2))  # the batch axis stays whole
    pads = pads[: len(pads) // 2 * 2]
    attrs = {"pads": pads, "mode": mode, "value": 1.5 if mode == "constant" else 0.0}
    oracle.run_both("pad", attrs, [x], lambda: lambda t: F.pad(t, pads, mode, attrs["value"] if mode == "constant" else None))


# -- pure shape ops ----------------------------------------------------------------------


@EXAMPLES
@given(data=st.data())
def test_flatten(oracle: Any, data: st.DataObject) -> None:
    x = data.draw(shapes(rank=(2, 5)))
    start, end = data.draw(st.integers(-x.rank, x.rank - 1)), data.draw(st.integers(-x.rank, x.rank - 1))
    if start % x.rank == 0 and start % x.rank < end % x.rank:
        return  # merging the batch axis is rejected on purpose (tested below)
    oracle.run_both("flatten", {"start_dim": start, "end_dim": end}, [x], lambda: torch.nn.Flatten(start, end))


@EXAMPLES
@given(data=st.data())
def test_reshape(oracle: Any, data: st.DataObject) -> None:
    x = data.draw(shapes())
    target = data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    if data.draw(st.booleans()):
        target[data.draw(st.integers(0, len(target) - 1))] = -1
    oracle.run_both("reshape", {"shape": target}, [x], lambda: lambda t: t.reshape(t.shape[0], *target))


@EXAMPLES
@given(data=st.data())
def test_permute(oracle: Any, data: st.DataObject) -> None:
    x = data.draw(shapes(rank=(2, 5)))
    dims = data.draw(st.permutations(range(x.rank)))
    dims = data.draw(st.sampled_from([dims, [d - x.rank for d in dims], dims[:-1], dims[:-1] + dims[:1]]))
    oracle.run_both("permute", {"dims": dims}, [x], lambda: lambda t: t.permute(*dims))


@EXAMPLES
@given(data=st.data())
def test_select(oracle: Any, data: st.DataObject) -> None:
    x = data.draw(shapes())
    dim, index = non_batch_axis(data, x.rank), data.draw(st.integers(-5, 4))
    oracle.run_both("select", {"dim": dim, "index": index}, [x], lambda: lambda t: t.select(dim, index))


@EXAMPLES
@given(data=st.data())
def test_split(oracle: Any, data: st.DataObject) -> None:
    x = data.draw(shapes(1, 6))
    dim = non_batch_axis(data, x.rank)
    pieces = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    outcome = oracle.run_both("split", {"sizes": pieces, "dim": dim}, [x], lambda: lambda t: torch.split(t, pieces, dim))
    assert outcome.ours is None or len(outcome.ours) == len(OPS["split"].output_names(outcome.attrs))


@EXAMPLES
@given(data=st.data())
def test_chunk(oracle: Any, data: st.DataObject) -> None:
    x = data.draw(shapes(1, 6))
    dim, chunks = non_batch_axis(data, x.rank), data.draw(st.integers(1, 5))

    def exact_chunks(t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        found = torch.chunk(t, chunks, dim)
        if len(found) != chunks:  # a fixed port count: archdsl refuses what torch would shorten
            raise ValueError(f"torch.chunk made {len(found)} pieces")
        return found

    outcome = oracle.run_both("chunk", {"chunks": chunks, "dim": dim}, [x], lambda: exact_chunks)
    assert outcome.ours is None or len(outcome.ours) == chunks


@settings(max_examples=30)
@given(x=shapes(1, 6), groups=st.integers(1, 4))
def test_channel_shuffle(oracle: Any, x: TensorType, groups: int) -> None:
    oracle.run_both("channel_shuffle", {"groups": groups}, [x], lambda: torch.nn.ChannelShuffle(groups))


@pytest.mark.parametrize(
    "name, attrs",
    [("flatten", {"start_dim": 0}), ("select", {"dim": 0, "index": 0}), ("split", {"sizes": [1, 1], "dim": 0}), ("chunk", {"chunks": 2, "dim": 0}), ("concat", {"dim": 0}), ("layernorm", {"dims": 3}), ("pad", {"pads": [0, 0, 0, 0, 1, 1]})],
)
def test_the_batch_axis_stays_whole(name: str, attrs: dict[str, Any]) -> None:
    op = OPS[name]
    with pytest.raises(ShapeError, match="batch"):
        op.infer(op.Attrs.model_validate(attrs), [typ(2, 3)] * op.arity[0])


# -- merges --------------------------------------------------------------------------------


@st.composite
def broadcastable(draw: Callable[..., Any], base: TensorType) -> TensorType:
    """Sizes equal, 1 or random per axis; sometimes without the leading axes (and batch)."""
    dims = [draw(st.sampled_from([d, d, 1, draw(st.integers(1, 4))])) for d in base.shape[1:]]
    if draw(st.booleans()):
        return TensorType(tuple(dims[draw(st.integers(0, len(dims) - 1)) :]))
    return TensorType((draw(st.sampled_from([N, N, 1])), *dims))


@pytest.mark.parametrize("name, fn", [("add", torch.add), ("mul", torch.mul)])
@EXAMPLES
@given(data=st.data())
def test_broadcasting(oracle: Any, name: str, fn: Callable[..., torch.Tensor], data: st.DataObject) -> None:
    base = data.draw(shapes())
    others = data.draw(st.lists(broadcastable(base), min_size=1, max_size=2))
    inputs = data.draw(st.permutations([base, *others]))
    oracle.run_both(name, {}, inputs, lambda: lambda *ts: reduce(fn, ts))


@EXAMPLES
@given(data=st.data())
def test_concat_and_mean(oracle: Any, data: st.DataObject) -> None:
    base = data.draw(shapes())
    dim = non_batch_axis(data, base.rank)
    inputs = []
    for _ in range(data.draw(st.integers(2, 3))):
        shape = list(base.shape)
        shape[dim] = data.draw(st.integers(1, 4))
        if data.draw(st.integers(0, 4)) == 0:
            shape[data.draw(st.integers(1, base.rank - 1))] = data.draw(st.integers(1, 4))
        inputs.append(TensorType(tuple(shape)))
    oracle.run_both("concat", {"dim": dim}, inputs, lambda: lambda *ts: torch.cat(ts, dim))
    oracle.run_both("mean", {}, inputs, lambda: lambda *ts: torch.stack(ts).mean(0))


# -- element-wise ops: one case each, weights included ----------------------------------------

ELEMENTWISE: dict[str, tuple[dict[str, Any], Callable[[int], Any]]] = {
    "relu": ({"inplace": True}, lambda c: torch.nn.ReLU(True)),
    "relu6": ({}, lambda c: torch.nn.ReLU6()),
    "leaky_relu": ({"negative_slope": 0.2}, lambda c: torch.nn.LeakyReLU(0.2)),
    "prelu": ({"num_parameters": "channels"}, lambda c: torch.nn.PReLU(c)),
    "elu": ({"alpha": 0.5}, lambda c: torch.nn.ELU(0.5)),
    "gelu": ({"approximate": "tanh"}, lambda c: torch.nn.GELU("tanh")),
    "silu": ({}, lambda c: torch.nn.SiLU()),
    "hardswish": ({}, lambda c: torch.nn.Hardswish()),
    "hardsigmoid": ({}, lambda c: torch.nn.Hardsigmoid()),
    "sigmoid": ({}, lambda c: torch.nn.Sigmoid()),
    "tanh": ({}, lambda c: torch.nn.Tanh()),
    "softmax": ({"dim": -1}, lambda c: torch.nn.Softmax(-1)),
    "log_softmax": ({}, lambda c: torch.nn.LogSoftmax(1)),
    "dropout": ({"p": 0.3}, lambda c: torch.nn.Dropout(0.3)),
    "dropout2d": ({"p": 0.3}, lambda c: torch.nn.Dropout2d(0.3)),
    "drop_path": ({"p": 0.2, "mode": "batch"}, lambda c: torchvision.ops.StochasticDepth(0.2, "batch")),
    "identity": ({}, lambda c: torch.nn.Identity()),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise(oracle: Any, name: str) -> None:
    attrs, build = ELEMENTWISE[name]
    x = typ(3, 4, 5)
    outcome = oracle.run_both(name, attrs, [x], lambda: build(3))
    oracle.assert_same_weights(name, outcome.attrs, [x], outcome.module)
    assert outcome.ours == [x]


def test_prelu_shared_slope(oracle: Any) -> None:
    outcome = oracle.run_both("prelu", {}, [typ(3, 4)], lambda: torch.nn.PReLU())
    oracle.assert_same_weights("prelu", outcome.attrs, [typ(3, 4)], outcome.module)


@settings(max_examples=30)
@given(x=shapes(rank=(2, 5)), dim=st.integers(-5, 4))
def test_softmax_axis(oracle: Any, x: TensorType, dim: int) -> None:
    oracle.run_both("softmax", {"dim": dim}, [x], lambda: torch.nn.Softmax(dim))
