"""Helpers for the ONNX backend tests: references built with the torch backend on weights
that make every op count, onnxruntime sessions, and the comparison rule.

(pytest runs with --import-mode=importlib, so helpers are handed out as fixtures.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

import archdsl
from archdsl.errors import ArchdslError

TINY = """
archdsl: 1
name: tiny
inputs: {x: [3, 8, 8]}
graph:
  - conv: {op: conv2d, out: 4, kernel: 3}
  - bn: {op: batchnorm2d}
  - relu: {op: relu}
  - pool: {op: adaptive_avgpool2d, size: 1}
  - flat: {op: flatten}
  - drop: {op: dropout, p: 0.2}
  - fc: {op: linear, out: 3}
"""
"""A small spec with weights, a BatchNorm to fold and a dropout to drop (output: `output`, N×3)."""

RTOL = 1e-4
"""Parity: |onnx − torch| ≤ RTOL·|torch| + RTOL·max|torch| element-wise (relative, with the
output's own scale as the floor near zero)."""


def lively_weights(module: torch.nn.Module, seed: int = 0) -> dict[str, torch.Tensor]:
    """Make every tensor of `module` matter, in place, and return its state_dict: weights
    rescaled to He's standard deviation (deep nets keep their signal), non-trivial biases, and
    BatchNorm statistics and affine maps far from the identity (so folding is really tested).
    The module's own initial values are rescaled, not redrawn: big nets hold 10⁸ of them."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if not t.is_floating_point():
                continue
            leaf = name.rsplit(".", 1)[-1]
            if leaf.startswith(("weight_ih", "weight_hh")):
                continue  # recurrent weights keep PyTorch's scale: larger ones make 200 steps chaotic
            spread = float(t.std()) if t.ndim >= 2 and t.numel() > 1 else 0.0
            if spread > 0:
                t.mul_((2.0 / max(1, t.numel() // t.shape[0])) ** 0.5 / spread)
                continue
            if leaf == "running_var":
                value = torch.rand(t.shape, generator=generator) + 0.5
            elif leaf == "running_mean":
                value = torch.randn(t.shape, generator=generator) * 0.2
            elif leaf == "weight":  # norm scales (LayerNorm's may have several axes), PReLU slopes
                value = torch.rand(t.shape, generator=generator) + 0.5
            else:
                value = (torch.rand(t.shape, generator=generator) - 0.5) * 0.2
            t.copy_(value)
    return dict(module.state_dict())


def small(name: str) -> archdsl.Model:
    """A library spec at the smallest of 64, a third and half of its image size (never larger
    than it is) that it accepts with the same parameters (adaptive pooling, fully convolutional
    nets): the same weights, the same computation, a fraction of the work. Fixed-size nets run
    at full size."""
    model = archdsl.load(name)
    params = model.analyze().totals.params
    images = {n: t for n, t in model.graph.inputs.items() if t.rank == 4}
    if not images:
        return model
    for step in range(3):
        shapes = {n: (int(t.shape[1]), *(_smaller(int(d), step) for d in t.shape[2:])) for n, t in images.items()}
        try:
            reduced = archdsl.load(name, input_shapes=shapes)
        except ArchdslError:
            continue
        if reduced.analyze().totals.params == params:
            return reduced
    return model


def _smaller(size: int, step: int) -> int:
    """The step-th candidate size: 64, a third, half — none below 64 unless the size itself is."""
    candidates = sorted({d for d in (64, size // 3, size // 2) if 64 <= d <= size} | {size})
    return candidates[min(step, len(candidates) - 1)]


def skeleton(proto: onnx.ModelProto) -> onnx.ModelProto:
    """The model without its weights' bytes: each initializer becomes a graph input of the same
    type, so the checker and shape inference see every node and type but no megabytes."""
    bare = onnx.ModelProto()
    bare.CopyFrom(onnx.ModelProto(ir_version=proto.ir_version, producer_name=proto.producer_name))
    bare.opset_import.extend(proto.opset_import)
    bare.functions.extend(proto.functions)
    graph = bare.graph
    graph.name = proto.graph.name
    graph.node.extend(proto.graph.node)
    graph.input.extend(proto.graph.input)
    graph.input.extend(onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                       for t in proto.graph.initializer)
    graph.output.extend(proto.graph.output)
    return bare


def session(proto: onnx.ModelProto | bytes) -> ort.InferenceSession:
    """A CPU session on one thread (test workers run side by side) without weight prepacking
    (a copy of every weight, which only pays off over many runs)."""
    data = proto if isinstance(proto, bytes) else proto.SerializeToString()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.add_session_config_entry("session.disable_prepacking", "1")
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def run(sess: ort.InferenceSession, feeds: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Outputs by name; feeds may be torch tensors."""
    arrays = {k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in feeds.items()}
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, arrays), strict=True))


def assert_close(ours: np.ndarray, reference: Any, what: str = "") -> None:
    ref = reference.detach().numpy() if isinstance(reference, torch.Tensor) else np.asarray(reference)
    assert ours.shape == ref.shape, (what, ours.shape, ref.shape)
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=RTOL * max(scale, 1e-30), err_msg=what)


def torch_outputs(module: torch.nn.Module, graph: Any, feeds: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The module's eval outputs by the spec's output names (train-only outputs are not returned in eval)."""
    with torch.no_grad():
        result = module.eval()(*feeds.values())
    names = [name for name, o in graph.outputs.items() if not o.train_only]
    if isinstance(result, torch.Tensor):
        return {names[0]: result}
    if isinstance(result, dict):
        return dict(result)
    return dict(zip(names, result, strict=True))


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Torch on one thread during these tests, like the sessions: test workers run side by side,
    and on a busy machine two threads per worker wait on each other (a 1001-layer forward took
    7 s instead of 1)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny() -> str:
    """The TINY spec's text."""
    return TINY


@pytest.fixture(scope="session")
def helpers() -> Any:
    """The helpers above, as a namespace."""
    import types

    return types.SimpleNamespace(lively_weights=lively_weights, small=small, session=session, run=run,
                                 assert_close=assert_close, torch_outputs=torch_outputs, skeleton=skeleton)


@pytest.fixture
def onnx_of(load_text: Callable[..., archdsl.Model]) -> Callable[..., tuple[archdsl.Model, onnx.ModelProto]]:
    """Load spec text and export it (options passed to to_onnx)."""

    def make(text: str, **options: Any) -> tuple[archdsl.Model, onnx.ModelProto]:
        model = load_text(text)
        return model, model.to_onnx(**options)

    return make
