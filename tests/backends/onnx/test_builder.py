"""The builder's node maker: the very NodeProto that onnx.helper.make_node makes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from onnx import helper, numpy_helper

from archdsl.backends.onnx.builder import make_node

VALUES: list[Any] = [
    0, -3, 2**40, 1.5, -0.0, float("inf"), "nearest", "", True, False, [1, 2, 3], (4, 5), [0.5, 2.0], [1, 2.5],
    ["a", "b"], np.int64(7), np.float32(0.25), [np.int64(1), 2],
    numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "value"),
]


@pytest.mark.parametrize("value", VALUES, ids=[repr(v)[:24] for v in VALUES])
def test_make_node_is_onnx_helpers(value: Any) -> None:
    attributes = {"z": 1, "value": value, "a": [2, 2], "none": None}
    ours = make_node("Op", ["x", "w"], ["y"], "n", attributes)
    theirs = helper.make_node("Op", ["x", "w"], ["y"], name="n", **attributes)
    assert ours == theirs and ours.SerializeToString() == theirs.SerializeToString()


def test_an_empty_name_is_left_unset() -> None:
    assert make_node("Relu", ["x"], ["y"], "", {}) == helper.make_node("Relu", ["x"], ["y"], name="")
