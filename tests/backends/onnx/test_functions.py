"""Blocks as ONNX local functions: one FunctionProto per block kind (numbered variants where
the structure differs), attributes that vary between instances made function attributes,
called per instance under the instance's name; the same numbers as the flat model."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest

import archdsl
from archdsl.backends.onnx.functions import FUNCTION_DOMAIN
from archdsl.backends.torch.examples import example_inputs


@pytest.fixture(scope="module")
def resnet50() -> tuple[archdsl.Model, dict[str, Any]]:
    model = archdsl.load("resnet50", input_shapes={"x": (3, 64, 64)})
    from archdsl.backends.onnx.initial_weights import initial_weights

    return model, initial_weights(model.graph, model.init, seed=0)


def test_one_function_per_block_kind_and_structure(resnet50: tuple[archdsl.Model, dict[str, Any]]) -> None:
    model, weights = resnet50
    proto = model.to_onnx(weights=weights, functions=True)
    onnx.checker.check_model(proto, full_check=True)
    functions = {f.name: f for f in proto.functions}
    # bottleneck: with its downsample branch (stride 1 in layer1, 2 after: an attribute); bottleneck_2: without
    assert sorted(functions) == ["bottleneck", "bottleneck_2", "stage", "stage_2", "stage_3"]
    assert list(functions["bottleneck"].attribute) == ["conv2_strides", "downsample_0_strides"]
    assert {f.domain for f in proto.functions} == {FUNCTION_DOMAIN}
    calls = [(n.name, n.op_type) for n in proto.graph.node if n.domain == FUNCTION_DOMAIN]
    # layer1 and layer4 have three blocks each, layer2 four, layer3 six
    assert calls == [("layer1", "stage"), ("layer2", "stage_2"), ("layer3", "stage_3"), ("layer4", "stage")]
    node = {n.name: n for n in proto.graph.node}
    assert "layer2.0.conv1.weight" in node["layer2"].input and list(node["layer2"].output) == ["layer2.3.relu3"]
    for layer, stride in (("layer1", 1), ("layer4", 2)):
        strides = {a.name: list(a.ints) for a in node[layer].attribute}
        assert strides == {"0_conv2_strides": [stride] * 2, "0_downsample_0_strides": [stride] * 2}
    inner = [(n.name, n.op_type) for n in functions["stage_2"].node]
    assert inner == [("0", "bottleneck"), ("1", "bottleneck_2"), ("2", "bottleneck_2"), ("3", "bottleneck_2")]
    conv = next(n for n in functions["bottleneck_2"].node if n.name == "conv1")
    assert list(conv.input) == ["input", "conv1.weight", "conv1.bias"]


@pytest.mark.parametrize("name", ["resnet50", "googlenet", "efficientnet_b0", "densenet121", "lstm_classifier"])
@pytest.mark.parametrize("optimize", [True, False])
def test_functions_compute_what_the_flat_model_does(name: str, optimize: bool, helpers: Any) -> None:
    model = helpers.small(name)
    from archdsl.backends.onnx.initial_weights import initial_weights

    weights = initial_weights(model.graph, model.init, seed=0)
    feeds = example_inputs(model.graph, batch=2)
    flat = helpers.run(helpers.session(model.to_onnx(weights=weights, optimize=optimize)), feeds)
    proto = model.to_onnx(weights=weights, optimize=optimize, functions=True)
    onnx.checker.check_model(proto, full_check=True)
    called = helpers.run(helpers.session(proto), feeds)
    assert flat.keys() == called.keys()
    for key, value in flat.items():
        np.testing.assert_allclose(called[key], value, rtol=1e-5, atol=1e-6 * float(np.abs(value).max()))
