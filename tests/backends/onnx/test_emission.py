"""The emitted ModelProto: the spec's names, a dynamic batch axis, the opset rules, located
errors, and byte-identical output."""

from __future__ import annotations

from collections import Counter
from typing import Any

import onnx
import pytest

import archdsl
from archdsl.backends.onnx.initial_weights import initial_weights
from archdsl.backends.onnx.rules import load_rules
from archdsl.backends.onnx.table import EMITTERS
from archdsl.errors import BackendError

PAD = """
archdsl: 1
name: t
inputs: {x: [3, 8, 8]}
graph:
  - conv: {op: conv2d, out: 4, kernel: 3}
  - wrap: {op: pad, pads: [1, 1, 1, 1], mode: circular}
"""


@pytest.fixture(scope="module")
def resnet18() -> archdsl.Model:
    return archdsl.load("resnet18", input_shapes={"x": (3, 64, 64)})


@pytest.fixture(scope="module")
def weights(resnet18: archdsl.Model) -> dict[str, Any]:
    return numpy_weights(resnet18)


def numpy_weights(model: archdsl.Model) -> dict[str, Any]:
    """Initial weights without building the torch module (these tests are not about the values)."""
    return initial_weights(model.graph, model.init, seed=0)


def test_names_are_the_specs(resnet18: archdsl.Model, weights: dict[str, Any]) -> None:
    proto = resnet18.to_onnx(weights=weights, optimize=False)
    assert [t.name for t in proto.graph.initializer] == [k for k in weights if not k.endswith("num_batches_tracked")]
    nodes = {n.name: n.op_type for n in proto.graph.node}
    assert nodes["layer1.0.conv1"] == "Conv" and nodes["layer1.0.bn1"] == "BatchNormalization"
    assert nodes["fc"] == "Gemm" and nodes["avgpool"] == "GlobalAveragePool"
    assert {n.name for n in resnet18.graph if n.op != "input"} <= set(nodes)
    conv = next(n for n in proto.graph.node if n.name == "layer1.0.conv1")
    assert list(conv.input) == ["maxpool", "layer1.0.conv1.weight"] and list(conv.output) == ["layer1.0.conv1"]


def test_the_batch_axis_is_dynamic_and_named_n(resnet18: archdsl.Model, weights: dict[str, Any]) -> None:
    proto = resnet18.to_onnx(weights=weights)
    (x,) = proto.graph.input
    (fc,) = proto.graph.output
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert (x.name, dims(x)) == ("x", ["N", 3, 64, 64])
    assert (fc.name, dims(fc)) == ("fc", ["N", 1000])


def test_outputs_take_the_specs_output_names() -> None:
    model = archdsl.load("googlenet", input_shapes={"x": (3, 64, 64)})
    proto = model.to_onnx(weights=numpy_weights(model), optimize=False)
    assert [o.name for o in proto.graph.output] == ["logits", "aux2", "aux1"]
    producer = next(n for n in proto.graph.node if "logits" in n.output)
    assert (producer.name, producer.op_type) == ("fc", "Gemm")


def test_rewrites_show_in_the_graph(resnet18: archdsl.Model, weights: dict[str, Any]) -> None:
    raw = Counter(n.op_type for n in resnet18.to_onnx(weights=weights, optimize=False).graph.node)
    folded = Counter(n.op_type for n in resnet18.to_onnx(weights=weights).graph.node)
    assert raw["BatchNormalization"] == 20 and folded["BatchNormalization"] == 0
    assert folded["Conv"] == raw["Conv"] == 20


def test_same_inputs_give_the_same_bytes(load_text: Any) -> None:
    first = load_text(PAD).to_onnx(seed=1).SerializeToString()
    assert load_text(PAD).to_onnx(seed=1).SerializeToString() == first
    assert load_text(PAD).to_onnx(seed=2).SerializeToString() != first


def test_same_weights_give_the_same_bytes(resnet18: archdsl.Model, weights: dict[str, Any]) -> None:
    first = resnet18.to_onnx(weights=weights, functions=True).SerializeToString()
    again = archdsl.load("resnet18", input_shapes={"x": (3, 64, 64)})
    assert again.to_onnx(weights=dict(weights), functions=True).SerializeToString() == first


def test_metadata(resnet18: archdsl.Model, weights: dict[str, Any]) -> None:
    proto = resnet18.to_onnx(weights=weights, optimize=False)
    props = {p.key: p.value for p in proto.metadata_props}
    assert props == {"archdsl.spec": "resnet18", "archdsl.params": "{}", "archdsl.optimized": "false"}
    assert proto.producer_name == "archdsl" and proto.graph.name == "resnet18"


def test_opset_defaults_to_18_and_follows_the_ops(load_text: Any, resnet18: archdsl.Model, weights: dict[str, Any]) -> None:
    assert resnet18.to_onnx(weights=weights).opset_import[0].version == 18
    assert resnet18.to_onnx(weights=weights, opset=21).opset_import[0].version == 21
    assert load_text(PAD).to_onnx().opset_import[0].version == 19  # circular padding is Pad(wrap), opset 19


def test_an_opset_too_old_for_an_op_names_the_node(load_text: Any) -> None:
    with pytest.raises(BackendError) as caught:
        load_text(PAD).to_onnx(opset=18)
    text = caught.value.format()
    assert "[wrap]" in text and ":6:" in text and "needs ONNX opset 19" in text and "--opset 19" in text


@pytest.mark.parametrize("opset", [17, 999])
def test_unsupported_opsets(opset: int, resnet18: archdsl.Model) -> None:
    with pytest.raises(BackendError, match=f"opset {opset} is not supported"):
        resnet18.to_onnx(opset=opset)


def test_an_op_the_emitter_lacks_names_the_op_and_node(monkeypatch: pytest.MonkeyPatch, load_text: Any) -> None:
    model = load_text(PAD)
    load_rules()
    monkeypatch.delitem(EMITTERS, "pad")
    with pytest.raises(BackendError) as caught:
        model.to_onnx()
    text = caught.value.format()
    assert "cannot emit op 'pad'" in text and "[wrap]" in text and ":6:" in text


def test_an_output_named_like_another_node_is_an_error(load_text: Any) -> None:
    model = load_text("""
        archdsl: 1
        name: t
        inputs: {x: [4]}
        graph:
          - a: {op: relu}
          - b: {op: sigmoid}
        outputs:
          - a: b
        """)
    with pytest.raises(BackendError, match="output 'a' has the name of node 'a'"):
        model.to_onnx()


def test_an_output_that_is_an_input_gets_an_identity(load_text: Any) -> None:
    model = load_text("""
        archdsl: 1
        name: t
        inputs: {x: [4]}
        graph:
          - a: {op: relu}
        outputs:
          - same: x
          - a
        """)
    proto = model.to_onnx()
    onnx.checker.check_model(proto, full_check=True)
    assert [(n.op_type, list(n.input), list(n.output)) for n in proto.graph.node][-1] == ("Identity", ["x"], ["same"])
