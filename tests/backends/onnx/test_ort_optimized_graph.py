"""onnxruntime runs our ResNet with the very kernels it runs torch.onnx.export's with: after its
own graph optimisation (ORT_ENABLE_ALL, the default) the two models hold the same fused
operators, the residual Add fused into a convolution alike. The throughput benchmark
(benchmarks/onnx_backend.py) rests on this: a gap there is in the timing, not in the graph.

ResNet-50's structure (bottleneck blocks, projection shortcuts, stem, pooling, classifier) at
one block per stage, 64×64 and 10 classes: the same patterns at a fraction of the weights.
"""

from __future__ import annotations

import io
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import onnx
import onnxruntime as ort
import pytest
import torch

import archdsl

VIEWS = {"Flatten", "Reshape"}
"""N×C×1×1 → N×C: torch writes Flatten, we write Reshape to (0, C); both are a view in onnxruntime."""


def kernels(data: bytes, folder: Path, name: str) -> Counter[tuple[str, ...]]:
    """Each node of onnxruntime's optimised graph as (domain, op, activation, operand count)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.optimized_model_filepath = str(folder / f"{name}.onnx")
    options.log_severity_level = 3  # the NCHWc layout's "hardware specific" notice
    ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    found: Counter[tuple[str, ...]] = Counter()
    for node in onnx.load(options.optimized_model_filepath, load_external_data=False).graph.node:
        if node.op_type in VIEWS:
            found[("", "view")] += 1
            continue
        activation = next((a.s.decode() for a in node.attribute if a.name == "activation"), "")
        found[(node.domain, node.op_type, activation, str(len(node.input)))] += 1
    return found


def torchscript_export(module: torch.nn.Module, shape: tuple[int, ...]) -> bytes:
    """torch.onnx.export as benchmarks/onnx_backend.py calls it (TorchScript exporter, opset 18, dynamic batch)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(1, *shape),), buffer, dynamo=False, opset_version=18,
                          input_names=["x"], output_names=["fc"], dynamic_axes={"x": {0: "N"}, "fc": {0: "N"}})
    return buffer.getvalue()


@pytest.mark.parametrize("optimize", [True, False], ids=["folded", "no-rewrites"])
def test_onnxruntime_fuses_our_resnet_as_it_fuses_torch_onnx_export(optimize: bool, tmp_path: Path) -> None:
    model = archdsl.load("resnet50", input_shapes={"x": (3, 64, 64)}, layers=[1, 1, 1, 1], num_classes=10)
    module = model.to_torch(seed=0).eval()
    weights: dict[str, Any] = dict(module.state_dict())
    ours = model.to_onnx(weights=weights, optimize=optimize).SerializeToString()
    theirs = torchscript_export(module, tuple(model.graph.inputs["x"].shape[1:]))
    mine, reference = kernels(ours, tmp_path, "ours"), kernels(theirs, tmp_path, "theirs")
    assert mine == reference
