"""numpy initial weights are the torch backend's, bit for bit, and exporting never imports torch.

The reference is always torch itself: `model.to_torch(seed=S).state_dict()` for whole
models (every library spec, buffers included), `torch.nn.init` and `Tensor.uniform_` /
`normal_` under `torch.manual_seed` for the generator and each initializer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import archdsl
from archdsl.backends.onnx.initial_weights import DRAW, TORCH_ONLY, draw, initial_weights, torch_only
from archdsl.backends.onnx.torch_rng import TorchGenerator
from archdsl.backends.onnx.weights import as_array
from archdsl.errors import BackendError
from archdsl.spec.init import INITIALIZERS, parse_initializer
from archdsl.spec.library import library_names

SEEDS = (0, 1, 12345)


def bits(value: np.ndarray) -> np.ndarray:
    """The raw bytes of an array, for exact comparison."""
    return np.ascontiguousarray(value).reshape(-1).view(np.uint8)


def assert_same_state(ours: dict[str, np.ndarray], module: torch.nn.Module) -> None:
    """Same names, order, shapes and bits; a module moved to float16 or bfloat16 (the inputs'
    dtype) is compared in the dtype the spec declares, as the export converts it."""
    state = module.state_dict()
    assert list(ours) == list(state)
    for name, tensor in state.items():
        assert ours[name].shape == tuple(tensor.shape), name
        theirs = as_array(tensor).astype(ours[name].dtype)
        assert np.array_equal(bits(ours[name]), bits(theirs)), name


@pytest.mark.parametrize("seed", [0, 1, 12345, -1, 2**32 + 5, 2**64 - 1, -(2**63)])
def test_the_generator_is_torchs(seed: int) -> None:
    """uniform_ and normal_ (both kernels, the cached second normal, the redrawn tail) in one stream."""
    torch.manual_seed(seed)
    ours = TorchGenerator(seed)
    calls = [("uniform", 1000, -0.3, 0.7), ("uniform", 5, -1 / 3, 1 / 3), ("normal", 5, 0.5, 2.0),
             ("normal", 16, 0.0, 1.0), ("normal", 3, -1.0, 0.1), ("normal", 1001, 0.25, 0.01),
             ("uniform", 4099, -2.5, 7.25), ("normal", 70000, 0.0, 0.02), ("normal", 1, 0.0, 1.0),
             ("normal", 31, 3.0, 0.5)]
    for kind, count, a, b in calls:
        expected = getattr(torch.empty(count), f"{kind}_")(a, b)
        assert np.array_equal(bits(getattr(ours, kind)(count, a, b)), bits(expected.numpy())), (kind, count)


INITS = [
    "zeros", "ones", "constant(-0.75)", "normal", "normal(0.1, 0.02)", "uniform", "uniform(-0.2, 0.9)",
    "trunc_normal", "trunc_normal(mean=0.1, std=1, a=-1, b=1.5)", "trunc_normal(std=0.01)",
    "xavier_uniform", "xavier_normal(gain=1.7)", "kaiming_uniform", "kaiming_uniform(a=0.2, mode=fan_out)",
    "kaiming_normal(mode=fan_out, nonlinearity=relu)", "kaiming_normal(nonlinearity=tanh)",
    "kaiming_uniform(nonlinearity=selu)", "kaiming_normal(nonlinearity=linear)",
]


@pytest.mark.parametrize("text", INITS)
def test_every_initializer_is_torch_nn_inits(text: str) -> None:
    init = parse_initializer(text)
    shapes = [(7, 3), (64, 16, 3, 3), (5, 2, 1), (33, 17)]
    torch.manual_seed(3)
    ours = TorchGenerator(3)
    for shape in shapes:
        expected = getattr(torch.nn.init, f"{init.name}_")(torch.empty(shape), **init.kwargs)
        assert np.array_equal(bits(draw(init, ours, shape)), bits(expected.numpy())), shape


def test_every_initializer_is_drawn_in_numpy_or_named_as_torch_only() -> None:
    assert set(DRAW) | set(TORCH_ONLY) == set(INITIALIZERS) - {"default"}


REPRESENTATIVE = [
    "lenet5", "nin", "squeezenet1_0", "shufflenet_v2_x0_5", "mobilenet_v2", "efficientnet_b0", "densenet121",
    "googlenet", "inception_v3", "resnet18", "resnet110_stochastic_depth", "unet", "lstm_classifier",
    "gru_classifier", "rnn_classifier",
]
"""Library specs with every kind of `init:` rule they use (kaiming_normal, normal, trunc_normal,
uniform, constant) and every op with weights they hold, small enough to run on every test run."""


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_representative_library_specs(name: str, seed: int) -> None:
    model = archdsl.load(name)
    assert_same_state(initial_weights(model.graph, model.init, seed), model.to_torch(seed=seed))


@pytest.mark.slow
@pytest.mark.parametrize("name", library_names())
def test_every_library_spec(name: str) -> None:
    model = archdsl.load(name)
    assert torch_only(model.graph, model.init) is None
    assert_same_state(initial_weights(model.graph, model.init, 0), model.to_torch(seed=0))


SEQUENCE = """
archdsl: 1
name: sequence_ops
inputs: {x: {shape: [6, 40], dtype: DTYPE}}
graph:
  - conv: {op: conv1d, out: 8, kernel: 3}
  - bn: {op: batchnorm1d}
  - act: {op: prelu, num_parameters: channels}
  - gn: {op: groupnorm, groups: 2}
  - ln: {op: layernorm}
  - flat: {op: flatten}
  - fc: {op: linear, out: 5}
"""

RULES = """
archdsl: 1
name: every_rule
inputs: {x: [3, 10, 10]}
graph:
  - a: {op: conv2d, out: 5, kernel: 3}
  - b: {op: conv2d, out: 300, kernel: 3}
  - big: {op: conv2d, out: 64, kernel: 11, padding: 5}
  - up: {op: conv_transpose2d, out: 4, kernel: 2, stride: 2}
  - pool: {op: adaptive_avgpool2d, size: 1}
  - flat: {op: flatten}
  - fc: {op: linear, out: 7}
  - fc2: {op: linear, out: 3}
init:
  # a.bias: 5 scalar-kernel normals, the sixth cached for fc2.bias; big: every parameter set and
  # large, so PyTorch's default is skipped (no draws); the trunc_normals redraw rejected values
  - {match: a, weight: "kaiming_uniform(a=0.1, mode=fan_out)", bias: "normal(0.5, 2)"}
  - {match: b, weight: "xavier_normal(gain=1.3)", bias: "uniform(-0.2, 0.7)"}
  - {match: big, weight: "kaiming_normal(mode=fan_out, nonlinearity=relu)", bias: zeros}
  - {match: up, weight: xavier_uniform, bias: "trunc_normal(mean=0.1, std=1, a=-1, b=1.5)"}
  - {match: fc, weight: "trunc_normal(std=0.5, a=-0.4, b=0.6)", bias: "constant(0.25)"}
  - {match: fc2, bias: "normal(0, 0.01)"}
"""


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64"])
def test_every_op_with_weights_in_every_float_dtype(dtype: str, load_text: Any) -> None:
    """conv1d, batchnorm1d, prelu, groupnorm, layernorm here; the library covers the others
    (conv_transpose2d, embedding, rnn, gru, lstm, batchnorm2d, conv2d, linear)."""
    model = load_text(SEQUENCE.replace("DTYPE", dtype))
    for seed in SEEDS:
        assert_same_state(initial_weights(model.graph, model.init, seed), model.to_torch(seed=seed))


def test_every_kind_of_rule(load_text: Any) -> None:
    model = load_text(RULES)
    for seed in SEEDS:
        assert_same_state(initial_weights(model.graph, model.init, seed), model.to_torch(seed=seed))


@pytest.mark.parametrize("rule", ["orthogonal", "orthogonal(gain=2)", "trunc_normal(mean=0, std=1, a=2, b=3)"])
def test_what_numpy_cannot_reproduce_comes_from_torch(rule: str, load_text: Any, tiny: str) -> None:
    model = load_text(tiny + f'init:\n  - {{op: linear, weight: "{rule}"}}\n')
    problem = torch_only(model.graph, model.init)
    assert problem is not None and problem.node == "fc"
    with pytest.raises(BackendError):
        initial_weights(model.graph, model.init, 0)
    exported = {t.name for t in model.to_onnx(seed=4, optimize=False).graph.initializer}
    assert "fc.weight" in exported


def test_a_bad_seed_is_refused(load_text: Any, tiny: str) -> None:
    model = load_text(tiny)
    for seed in (2**64, -(2**63) - 1, True, 1.5):
        with pytest.raises(BackendError, match="is not an integer from"):
            initial_weights(model.graph, model.init, seed)  # type: ignore[arg-type]


NO_TORCH_IMPORT = """
import json, sys
import archdsl
from archdsl.cli import main

archdsl.load("resnet50").to_onnx(seed=0)
code = main(["export", "lstm_classifier", "-o", sys.argv[1]])
print(json.dumps({"code": code, "torch": sorted(m for m in sys.modules if m.partition(".")[0] == "torch")}))
"""


def test_exporting_does_not_import_torch(tmp_path: Path) -> None:
    """A fresh interpreter with torch installed: the API and the CLI export without importing it."""
    path = tmp_path / "m.onnx"
    done = subprocess.run([sys.executable, "-c", NO_TORCH_IMPORT, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"code": 0, "torch": []}
    assert path.stat().st_size > 0
