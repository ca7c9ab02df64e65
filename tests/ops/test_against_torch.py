"""archdsl's shape rules, weights and MACs against PyTorch, on random attributes and inputs.

Each test draws attributes and input shapes (valid or not), runs the torch module
or function on random tensors, and asserts archdsl infers the same output shapes,
raises ShapeError exactly when torch raises, and names the same parameters and
buffers in the same order. Empty outputs count as errors: archdsl rejects them.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from archdsl.ops import OPS
from archdsl.tensors import BATCH, TensorType

N = BATCH
EXAMPLES = settings(max_examples=60)


def typ(*shape: int | str, dtype: str = "float32") -> TensorType:
    return TensorType((N, *shape), dtype)


def tup(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def int_or_list(low: int, high: int, n: int) -> st.SearchStrategy[Any]:
    return st.one_of(st.integers(low, high), st.lists(st.integers(low, high), min_size=n, max_size=n))


def sizes(n: int, low: int = 1, high: int = 6) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(low, high), min_size=n, max_size=n)


def non_batch_axis(data: st.DataObject, rank: int) -> int:
    return data.draw(st.sampled_from([d for d in range(-rank, rank) if d % rank != 0]))


# -- convolution and linear (with MACs against FlopCounterMode) -----------------------


def check_macs(oracle: Any, name: str, outcome: Any, x: TensorType) -> None:
    if outcome.ours is not None:
        oracle.assert_same_weights(name, outcome.attrs, [x], outcome.module)
        ours = OPS[name].macs(outcome.attrs, [x], outcome.ours)
        assert ours == oracle.torch_macs(outcome.module, oracle.tensor(x, batch=1))


@pytest.mark.parametrize("name, cls", [("conv1d", torch.nn.Conv1d), ("conv2d", torch.nn.Conv2d)])
@EXAMPLES
@given(data=st.data())
def test_conv(oracle: Any, name: str, cls: type, data: st.DataObject) -> None:
    n = 1 if name == "conv1d" else 2
    groups = data.draw(st.integers(1, 3))
    cin = groups * data.draw(st.integers(1, 2)) + data.draw(st.sampled_from([0, 0, 0, 1]))
    attrs = {
        "out": groups * data.draw(st.integers(1, 2)) + data.draw(st.sampled_from([0, 0, 0, 1])),
        "kernel": data.draw(int_or_list(1, 4, n)),
        "stride": data.draw(int_or_list(1, 3, n)),
        "dilation": data.draw(int_or_list(1, 3, n)),
        "padding": data.draw(st.one_of(int_or_list(0, 3, n), st.sampled_from(["same", "valid"]))),
        "groups": groups,
        "bias": data.draw(st.booleans()),
    }
    x = typ(cin, *data.draw(sizes(n, 1, 9)))
    build = lambda: cls(cin, *(tup(attrs[k]) for k in ("out", "kernel", "stride", "padding", "dilation", "groups", "bias")))  # noqa: E731
    check_macs(oracle, name, oracle.run_both(name, attrs, [x], build), x)


@EXAMPLES
@given(data=st.data())
def test_conv_transpose2d(oracle: Any, data: st.DataObject) -> None:
    groups = data.draw(st.integers(1, 2))
    cin, out = groups * data.draw(st.integers(1, 2)), groups * data.draw(st.integers(1, 2))
    attrs = {
        "out": out,
        "kernel": data.draw(int_or_list(1, 4, 2)),
        "stride": data.draw(int_or_list(1, 3, 2)),
        "padding": data.draw(int_or_list(0, 3, 2)),
        "output_padding": data.draw(int_or_list(0, 2, 2)),
        "groups": groups,
        "bias": data.draw(st.booleans()),
        "dilation": data.draw(int_or_list(1, 2, 2)),
    }
    keys = ("out", "kernel", "stride", "padding", "output_padding", "groups", "bias", "dilation")
    build = lambda: torch.nn.ConvTranspose2d(cin, *(tup(attrs[k]) for k in keys))  # noqa: E731
    x = typ(cin, *data.draw(sizes(2, 1, 6)))
    check_macs(oracle, "conv_transpose2d", oracle.run_both("conv_transpose2d", attrs, [x], build), x)


@EXAMPLES
@given(dims=st.lists(st.integers(1, 4), min_size=1, max_size=3), out=st.integers(1, 5), bias=st.booleans())
def test_linear(oracle: Any, dims: list[int], out: int, bias: bool) -> None:
    x = typ(*dims)
    outcome = oracle.run_both("linear", {"out": out, "bias": bias}, [x], lambda: torch.nn.Linear(dims[-1], out, bias))
    check_macs(oracle, "linear", outcome, x)


@EXAMPLES
@given(num=st.integers(1, 6), dim=st.integers(1, 4), pad=st.integers(-6, 5), dims=sizes(2, 1, 3), rank=st.integers(0, 2))
def test_embedding(oracle: Any, num: int, dim: int, pad: int, dims: list[int], rank: int) -> None:
    padding_idx = pad if -num <= pad < num else None
    attrs = {"num": num, "dim": dim, "padding_idx": padding_idx}
    x = typ(*dims[:rank], dtype="int64")
    outcome = oracle.run_both("embedding", attrs, [x], lambda: torch.nn.Embedding(num, dim, padding_idx), high=num)
    oracle.assert_same_weights("embedding", outcome.attrs, [x], outcome.module)


# -- pooling ---------------------------------------------------------------------------

POOLS = {
    "maxpool1d": torch.nn.MaxPool1d,
    "maxpool2d": torch.nn.MaxPool2d,
    "avgpool1d": torch.nn.AvgPool1d,
    "avgpool2d": torch.nn.AvgPool2d,
}


@pytest.mark.parametrize("name", sorted(POOLS))
@EXAMPLES
@given(data=st.data())
def test_pool(oracle: Any, name: str, data: st.DataObject) -> None:
    n = int(name[-2])
    attrs: dict[str, Any] = {
        "kernel": data.draw(int_or_list(1, 4, n)),
        "stride": data.draw(st.one_of(st.none(), int_or_list(1, 3, n))),
        "padding": data.draw(int_or_list(0, 2, n)),
        "ceil_mode": data.draw(st.booleans()),
    }
    extra = ("dilation", int_or_list(1, 3, n)) if name.startswith("max") else ("count_include_pad", st.booleans())
    attrs[extra[0]] = data.draw(extra[1])
    x = typ(data.draw(st.integers(1, 2)), *data.draw(sizes(n, 1, 9)))
    build = lambda: POOLS[name](**{k: tup(v) for k, v in attrs.items() if k != "kernel"}, kernel_size=tup(attrs["kernel"]))  # noqa: E731
    outcome = oracle.run_both(name, attrs, [x], build)
    assert outcome.ours is None or OPS[name].macs(outcome.attrs, [x], outcome.ours) == 0


ADAPTIVE = {
    "adaptive_avgpool1d": torch.nn.AdaptiveAvgPool1d,
    "adaptive_avgpool2d": torch.nn.AdaptiveAvgPool2d,
    "adaptive_maxpool2d": torch.nn.AdaptiveMaxPool2d,
}


@pytest.mark.parametrize("name", sorted(ADAPTIVE))
@EXAMPLES
@given(data=st.data())
def test_adaptive_pool(oracle: Any, name: str, data: st.DataObject) -> None:
    n = int(name[-2])
    entry = st.integers(1, 6) if n == 1 else st.one_of(st.none(), st.integers(1, 6))
    size = data.draw(st.one_of(st.integers(1, 6), st.lists(entry, min_size=n, max_size=n)))
    x = typ(2, *data.draw(sizes(n, 1, 9)))
    oracle.run_both(name, {"size": size}, [x], lambda: ADAPTIVE[name](tup(size)))


# -- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize("name, cls", [("batchnorm1d", torch.nn.BatchNorm1d), ("batchnorm2d", torch.nn.BatchNorm2d)])
@EXAMPLES
@given(data=st.data())
def test_batchnorm(oracle: Any, name: str, cls: type, data: st.DataObject) -> None:
    attrs = {
        "eps": data.draw(st.sampled_from([1e-5, 1e-3])),
        "momentum": data.draw(st.sampled_from([0.1, None])),
        "affine": data.draw(st.booleans()),
        "track_running_stats": data.draw(st.booleans()),
    }
    x = typ(*data.draw(sizes(data.draw(st.sampled_from([1, 2, 3, 3, 4])), 1, 3)))
    outcome = oracle.run_both(name, attrs, [x], lambda: cls(oracle.concrete(x)[1], **attrs))
    if outcome.ours is not None:
        oracle.assert_same_weights(name, outcome.attrs, [x], outcome.module)


@EXAMPLES
@given(data=st.data())
def test_layernorm(oracle: Any, data: st.DataObject) -> None:
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    attrs = {"dims": data.draw(st.integers(1, len(shape))), "elementwise_affine": data.draw(st.booleans()), "bias": data.draw(st.booleans())}
    x = typ(*shape)
    build = lambda: torch.nn.LayerNorm(shape[len(shape) - attrs["dims"] :], elementwise_affine=attrs["elementwise_affine"], bias=attrs["bias"])  # noqa: E731
    outcome = oracle.run_both("layernorm", attrs, [x], build)
    oracle.assert_same_weights("layernorm", outcome.attrs, [x], outcome.module)


@EXAMPLES
@given(c=st.integers(1, 6), groups=st.integers(1, 4), affine=st.booleans(), spatial=st.lists(st.integers(1, 3), max_size=2))
def test_groupnorm(oracle: Any, c: int, groups: int, affine: bool, spatial: list[int]) -> None:
    x = typ(c, *spatial)
    outcome = oracle.run_both("groupnorm", {"groups": groups, "affine": affine}, [x], lambda: torch.nn.GroupNorm(groups, c, affine=affine))
    if outcome.ours is not None:
        oracle.assert_same_weights("groupnorm", outcome.attrs, [x], outcome.module)


@settings(max_examples=20)
@given(size=st.integers(1, 5), shape=st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_local_response_norm(oracle: Any, size: int, shape: list[int]) -> None:
    oracle.run_both("local_response_norm", {"size": size}, [typ(*shape)], lambda: torch.nn.LocalResponseNorm(size))


# -- recurrent -------------------------------------------------------------------------

RECURRENT = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


@pytest.mark.parametrize("name", sorted(RECURRENT))
@settings(max_examples=40)
@given(data=st.data())
def test_recurrent(oracle: Any, name: str, data: st.DataObject) -> None:
    attrs: dict[str, Any] = {
        "hidden": data.draw(st.integers(1, 3)),
        "num_layers": data.draw(st.integers(1, 3)),
        "bidirectional": data.draw(st.booleans()),
        "batch_first": data.draw(st.booleans()),
        "bias": data.draw(st.booleans()),
    }
    if name == "rnn":
        attrs["nonlinearity"] = data.draw(st.sampled_from(["tanh", "relu"]))
    steps, features = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    x = TensorType((N, steps, features) if attrs["batch_first"] else (steps, N, features))
    renamed = {"hidden_size" if k == "hidden" else k: v for k, v in attrs.items()}
    outcome = oracle.run_both(name, attrs, [x], lambda: RECURRENT[name](features, **renamed))
    oracle.assert_same_weights(name, outcome.attrs, [x], outcome.module)
    assert len(outcome.ours) == len(OPS[name].output_names(outcome.attrs))
