"""Built modules work with torch.compile (inductor) and torch.export, in both modes."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import archdsl
from archdsl.backends.torch.examples import example_inputs

HEADS = """\
  - conv: {op: conv2d, out: 8, kernel: 3, padding: 1}
  - bn: {op: batchnorm2d}
  - relu: {op: relu, inplace: true}
  - pool: {op: adaptive_avgpool2d, size: 1}
  - flatten: {op: flatten}
  - fc: {op: linear, out: 3}
  - aux: {op: linear, from: flatten, out: 2}
"""


@pytest.fixture(scope="module")
def lenet() -> tuple[archdsl.Model, torch.fx.GraphModule]:
    model = archdsl.load("lenet5")
    return model, model.to_torch(seed=0).eval()


@pytest.mark.parametrize("training", [False, True])
def test_torch_compile_captures_one_graph_in_either_mode(training: bool, load_text: Any, spec_text: Any) -> None:
    """Dynamo and AOTAutograd capture the whole forward (fullgraph: no graph breaks). CI runs the
    aot_eager backend: inductor's C++ compilation takes minutes on two cores; the benchmark
    (benchmarks/torch_backend.py) compiles ResNet-50 with inductor."""
    module = load_text(spec_text(HEADS, outputs="[{logits: fc}, {aux: {from: aux, train_only: true}}]")).to_torch(seed=0)
    module.train(training)
    x = torch.randn(4, 6, 5, 5)
    compiled = torch.compile(module, backend="aot_eager", fullgraph=True)
    torch.manual_seed(0)
    expected = module(x)
    torch.manual_seed(0)
    got = compiled(x)
    assert type(got) is type(expected)
    for a, b in zip(got.values() if training else [got], expected.values() if training else [expected], strict=True):
        torch.testing.assert_close(a, b)
    if training:
        sum(t.sum() for t in got.values()).backward()
        assert module.conv.weight.grad is not None


def test_torch_export_keeps_names_and_a_dynamic_batch(lenet: Any) -> None:
    model, module = lenet
    x = example_inputs(model.graph, batch=4)["x"]
    program = torch.export.export(module, (x,), dynamic_shapes=({0: torch.export.Dim("batch")},))
    assert list(program.state_dict) == list(module.state_dict())
    y = example_inputs(model.graph, batch=7)["x"]
    torch.testing.assert_close(program.module()(y), module(y))


@pytest.mark.parametrize("strict", [False, True])
def test_export_in_eval_mode_has_only_the_eval_outputs(strict: bool, load_text: Any, spec_text: Any) -> None:
    """Non-strict export interprets the fx graph; strict export traces the code: both see eval mode."""
    module = load_text(spec_text(HEADS, outputs="[{logits: fc}, {aux: {from: aux, train_only: true}}]")).to_torch(seed=0)
    x = torch.randn(3, 6, 5, 5)
    program = torch.export.export(module.eval(), (x,), strict=strict)
    torch.testing.assert_close(program.module()(x), module(x))
    assert isinstance(torch.fx.Interpreter(module.train()).run(x), dict)
