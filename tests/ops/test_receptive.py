"""The receptive-field Window of conv, pool, conv_transpose and upsample, checked empirically.

For an output unit v, the inputs it reads are found by perturbation: a batch holds
one one-hot input per input position (all-positive weights, zero bias), so row p
of the output is column p of the op's Jacobian; for the linear ops (conv, average
pooling, interpolation) that is the gradient of output unit v, and it also works
for max pooling, whose gradient reaches only the arg-max. The Window predicts the
integer points of [v·stride − padding, v·stride − padding + kernel − 1], clipped
to the input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from archdsl.errors import ShapeError
from archdsl.ops import OPS, Receptive, Window
from archdsl.tensors import BATCH, TensorType

EXAMPLES = settings(max_examples=25)


def reads(fn: Callable[[torch.Tensor], torch.Tensor], spatial: tuple[int, ...], unit: tuple[int, ...]) -> list[set[int]]:
    """Per axis, the input positions output `unit` depends on."""
    positions = math.prod(spatial)
    probes = torch.eye(positions).reshape(positions, 1, *spatial)
    with torch.no_grad():
        out = fn(probes)[(slice(None), 0, *unit)] - fn(torch.zeros(1, 1, *spatial))[(0, 0, *unit)]
    hit = (out.abs() > 1e-4).reshape(spatial)
    others = lambda a: tuple(i for i in range(len(spatial)) if i != a)  # noqa: E731
    return [set(torch.nonzero(hit.any(dim=others(a)) if len(spatial) > 1 else hit).flatten().tolist()) for a in range(len(spatial))]


def predicted(window: Window, v: int, size: int) -> tuple[int, int, bool, bool]:
    """Clipped integer interval of unit v, and whether each end lies inside the input."""
    start = v * window.stride - window.padding
    lo, hi = math.ceil(start), math.floor(start + window.kernel - 1)
    return max(lo, 0), min(hi, size - 1), lo >= 0, hi <= size - 1


def check(name: str, attrs: dict[str, Any], spatial: list[int], fn: Callable[..., torch.Tensor], exact: str) -> None:
    """exact: 'all' (contiguous reads), 'ends' (unclipped ends are read) or 'subset'."""
    op = OPS[name]
    a = op.Attrs.model_validate(attrs)
    x = TensorType((BATCH, 1, *spatial))
    try:
        y = op.infer(a, [x])[0]
    except ShapeError:
        assume(False)  # the input is too small for this geometry (test_against_torch covers that)
    windows = op.receptive(a, [x], [y])
    if windows == Receptive.GLOBAL:
        assert all(r == set(range(n)) for r, n in zip(reads(fn, tuple(spatial), (0,) * len(spatial)), spatial, strict=True))
        return
    for k in range(3):  # the first, a middle and the last unit along every axis
        unit = tuple((0, o // 2, o - 1)[k] for o in y.spatial)
        found = reads(fn, tuple(spatial), unit)
        expected = [predicted(window, u, n) for window, u, n in zip(windows, unit, spatial, strict=True)]
        context = f"{name}{attrs} on {spatial}, unit {unit}: reads {found}, windows {expected}"
        if any(lo > hi for lo, hi, _, _ in expected):  # e.g. a zero inserted by a transposed conv
            assert not any(found), context
            continue
        for axis_reads, (lo, hi, lo_inside, hi_inside) in zip(found, expected, strict=True):
            assert axis_reads <= set(range(lo, hi + 1)), context
            if exact == "all":
                assert axis_reads == set(range(lo, hi + 1)), context
            elif exact == "ends" and axis_reads:
                assert (min(axis_reads) == lo or not lo_inside) and (max(axis_reads) == hi or not hi_inside), context


def ones(module: torch.nn.Module) -> torch.nn.Module:
    with torch.no_grad():
        module.weight.fill_(1.0)
        if module.bias is not None:
            module.bias.zero_()
    return module


def tup(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def geometry(data: st.DataObject, n: int, padding: bool = True) -> dict[str, Any]:
    kernel = data.draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    attrs = {"kernel": kernel, "stride": data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))}
    if padding:
        attrs["padding"] = [data.draw(st.integers(0, k // 2)) for k in kernel]
    return attrs


def sizes(data: st.DataObject, n: int, low: int = 1, high: int = 7) -> list[int]:
    return data.draw(st.lists(st.integers(low, high), min_size=n, max_size=n))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("name, cls", [("conv1d", torch.nn.Conv1d), ("conv2d", torch.nn.Conv2d)])
@EXAMPLES
@given(data=st.data())
def test_conv(name: str, cls: type, data: st.DataObject) -> None:
    n = int(name[-2])
    attrs = geometry(data, n) | {"out": 1, "dilation": data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))}
    if data.draw(st.integers(0, 3)) == 0:
        attrs |= {"padding": "same", "stride": 1}
    spatial = sizes(data, n, 8, 14)
    module = ones(cls(1, 1, tup(attrs["kernel"]), tup(attrs["stride"]), tup(attrs["padding"]), tup(attrs["dilation"])))
    check(name, attrs, spatial, module, "all" if max(attrs["dilation"]) == 1 else "ends")


@EXAMPLES
@given(data=st.data())
def test_conv_transpose2d(data: st.DataObject) -> None:
    attrs = geometry(data, 2) | {"out": 1, "dilation": data.draw(st.lists(st.integers(1, 2), min_size=2, max_size=2))}
    module = ones(torch.nn.ConvTranspose2d(1, 1, tup(attrs["kernel"]), tup(attrs["stride"]), tup(attrs["padding"]), dilation=tup(attrs["dilation"])))
    check("conv_transpose2d", attrs, sizes(data, 2), module, "all" if max(attrs["dilation"]) == 1 else "subset")


POOLS = {"maxpool1d": torch.nn.MaxPool1d, "maxpool2d": torch.nn.MaxPool2d, "avgpool1d": torch.nn.AvgPool1d, "avgpool2d": torch.nn.AvgPool2d}


@pytest.mark.parametrize("name", sorted(POOLS))
@EXAMPLES
@given(data=st.data())
def test_pool(name: str, data: st.DataObject) -> None:
    n = int(name[-2])
    attrs = geometry(data, n) | {"ceil_mode": data.draw(st.booleans())}
    if name.startswith("max"):
        attrs["dilation"] = data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    spatial = sizes(data, n, 8, 14)
    module = POOLS[name](**{k: tup(v) for k, v in attrs.items() if k != "kernel"}, kernel_size=tup(attrs["kernel"]))
    check(name, attrs, spatial, module, "ends")


ADAPTIVE = {"adaptive_avgpool1d": torch.nn.AdaptiveAvgPool1d, "adaptive_avgpool2d": torch.nn.AdaptiveAvgPool2d, "adaptive_maxpool2d": torch.nn.AdaptiveMaxPool2d}


@pytest.mark.parametrize("name", sorted(ADAPTIVE))
@EXAMPLES
@given(data=st.data())
def test_adaptive_pool(name: str, data: st.DataObject) -> None:
    n = int(name[-2])
    spatial, out = sizes(data, n), data.draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    check(name, {"size": out}, spatial, ADAPTIVE[name](tup(out)), "all")


@EXAMPLES
@given(data=st.data())
def test_upsample(data: st.DataObject) -> None:
    attrs: dict[str, Any] = {"mode": data.draw(st.sampled_from(["nearest", "bilinear"]))}
    if attrs["mode"] == "bilinear":
        attrs["align_corners"] = data.draw(st.booleans())
    if data.draw(st.booleans()):
        factor = st.one_of(st.integers(1, 4), st.sampled_from([0.5, 0.75, 1.25, 1.5, 2.5]))
        attrs["scale"] = data.draw(st.lists(factor, min_size=2, max_size=2))
    else:
        attrs["size"] = data.draw(st.lists(st.integers(1, 12), min_size=2, max_size=2))
    module = torch.nn.Upsample(tup(attrs.get("size")), tup(attrs.get("scale")), attrs["mode"], attrs.get("align_corners"))
    check("upsample", attrs, sizes(data, 2), module, "all")


@pytest.mark.parametrize("factor", [1, 2, 3, 4, 5])
def test_upsample_integer_factors_are_transposed_windows(factor: int) -> None:
    """The module docstring's closed forms agree with Window.transposed for integer factors."""
    op = OPS["upsample"]
    x = TensorType((BATCH, 1, 5, 5))
    nearest = op.Attrs.model_validate({"scale": factor})
    bilinear = op.Attrs.model_validate({"scale": factor, "mode": "bilinear"})
    y = op.infer(nearest, [x])
    assert op.receptive(nearest, [x], y)[0] == Window.transposed(factor, factor, 0)
    expected = Window.transposed(2 * factor - factor % 2, factor, -(-(factor - 1) // 2))
    assert op.receptive(bilinear, [x], y)[0] == expected
    assert expected.stride == Fraction(1, factor)


@pytest.mark.parametrize(
    "attrs, spatial",
    [
        ({"mode": "bilinear", "scale": [1, 1.25]}, [1, 2]),  # an unchanged axis is copied
        ({"mode": "nearest", "scale": [2.1, 1]}, [5, 3]),  # out = 2·in: step ½, not 1/2.1
        ({"mode": "bilinear", "scale": [2.1, 0.5]}, [5, 6]),
        ({"mode": "bilinear", "size": [7, 3], "align_corners": True}, [3, 7]),
    ],
)
def test_upsample_edge_cases(attrs: dict[str, Any], spatial: list[int]) -> None:
    module = torch.nn.Upsample(tup(attrs.get("size")), tup(attrs.get("scale")), attrs["mode"], attrs.get("align_corners"))
    check("upsample", attrs, spatial, module, "all")
