"""Ops added for the spec library, against PyTorch: crop (U-Net, FCN), index_select (LeNet-5's
C3 table) and mean's local drop-path attribute (FractalNet)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pydantic
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from archdsl.errors import ShapeError
from archdsl.ops import OPS, Window
from archdsl.tensors import BATCH, TensorType


def typ(*shape: int) -> TensorType:
    return TensorType((BATCH, *shape))


@settings(max_examples=60)
@given(data=st.data())
def test_crop_matches_slicing(oracle: Any, data: st.DataObject) -> None:
    spatial = data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    size = [data.draw(st.integers(1, d + 1)) for d in spatial]  # d + 1: too big, must be rejected
    center = data.draw(st.booleans())
    offset = [(d - s) // 2 for d, s in zip(spatial, size, strict=True)] if center else [
        data.draw(st.integers(0, 3)) for _ in spatial
    ]
    attrs = {"size": size} if center else {"size": size, "offset": offset}

    def crop(t: torch.Tensor) -> torch.Tensor:
        if any(o < 0 or o + s > d for o, s, d in zip(offset, size, spatial, strict=True)):
            raise IndexError("window outside the input")
        window = tuple(slice(o, o + s) for o, s in zip(offset, size, strict=True))
        return t[(..., *window)]

    oracle.run_both("crop", attrs, [typ(2, *spatial)], lambda: crop)


def test_crop_centres_and_shifts_the_receptive_field() -> None:
    op = OPS["crop"]
    attrs = op.Attrs.model_validate({"size": [56, 57]})
    x = typ(8, 64, 64)
    assert op.infer(attrs, [x]) == [typ(8, 56, 57)]
    assert op.receptive(attrs, [x], []) == (Window(Fraction(1), Fraction(1), Fraction(-4)), Window(Fraction(1), Fraction(1), Fraction(-3)))
    assert op.macs(attrs, [x], []) == 0 and op.weights(attrs, [x]) == {}


@pytest.mark.parametrize("attrs", [{"size": 0}, {"size": 2, "offset": -1}, {"size": 2, "offset": "middle"}])
def test_crop_rejects_bad_attributes(attrs: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        OPS["crop"].Attrs.model_validate(attrs)


def test_crop_needs_spatial_axes() -> None:
    with pytest.raises(ShapeError, match="spatial"):
        OPS["crop"].infer(OPS["crop"].Attrs.model_validate({"size": 1}), [typ(4)])


@settings(max_examples=60)
@given(data=st.data())
def test_index_select_matches_torch(oracle: Any, data: st.DataObject) -> None:
    dims = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    dim = data.draw(st.integers(1, len(dims)))
    index = data.draw(st.lists(st.integers(-1, dims[dim - 1]), min_size=1, max_size=6))
    build = lambda: lambda t: torch.index_select(t, dim, torch.tensor(index))  # noqa: E731
    oracle.run_both("index_select", {"index": index, "dim": dim}, [typ(*dims)], build)


def test_index_select_keeps_space_only_for_channels() -> None:
    op = OPS["index_select"]
    x = typ(6, 4, 4)
    channels = op.Attrs.model_validate({"index": [0, 0, 5]})
    rows = op.Attrs.model_validate({"index": [0, 3], "dim": 2})
    assert op.receptive(channels, [x], op.infer(channels, [x])) == "same"
    assert op.receptive(rows, [x], op.infer(rows, [x])) == "global"


def test_index_select_rejects_the_batch_axis() -> None:
    with pytest.raises(ShapeError, match="batch"):
        OPS["index_select"].infer(OPS["index_select"].Attrs.model_validate({"index": [0], "dim": 0}), [typ(3)])


def test_mean_drop_path_is_a_probability_and_changes_no_shape() -> None:
    op = OPS["mean"]
    attrs = op.Attrs.model_validate({"drop_path": 0.15})
    assert op.infer(attrs, [typ(2, 3)] * 3) == [typ(2, 3)]
    assert op.Attrs.model_validate({}).drop_path == 0.0
    for bad in (1.0, -0.1):
        with pytest.raises(pydantic.ValidationError):
            op.Attrs.model_validate({"drop_path": bad})
