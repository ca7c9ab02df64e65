"""ONNX backend figures on ResNet-50: export time, and onnxruntime throughput against what
people use today.

Run: `python -m benchmarks.onnx_backend [--quick] [--device cuda] [--output FILE.md]`.

- Export in process (weights included): archdsl from the spec file (load, expand, rewrite,
  emit, check, write) given torchvision's ResNet-50 state_dict, streamed to a file
  (`export_file`), against `torch.onnx.export` of that very module to a file with the
  TorchScript exporter; and, bytes in memory, against the dynamo exporter (opset 18, dynamic
  batch on both sides).
- Export as a command (whole processes, initial weights): `python -m archdsl export resnet50
  -o r.onnx` against a Python script that imports torch and torchvision, builds
  `torchvision.models.resnet50()` and runs `torch.onnx.export` (TorchScript) to a file.
- onnxruntime CPU throughput, batch 1 and 8: our ResNet-50 ONNX (with and without the
  inference rewrites) against the TorchScript exporter's model of the same module, same
  weights, same session options.
- `--device cuda`: onnxruntime with the CUDA and TensorRT execution providers against torch
  eager on the same GPU, fp32 and AMP (fp16), inputs and outputs resident on the device.

Every ratio comes from one run with the two sides interleaved; medians are reported.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import archdsl
from archdsl import bench as compare
from archdsl.backends.onnx import export_bytes, export_file
from archdsl.fileio import write_atomic
from benchmarks.common import Result, Timing, format_table, machine, speedup

MODEL = "resnet50"
BATCHES = (1, 8)


def module_and_weights() -> tuple[Any, dict[str, Any]]:
    """torchvision's ResNet-50 (torch seed 0), in eval mode, and its state_dict (the spec's names)."""
    import torch
    import torchvision

    torch.manual_seed(0)
    module = torchvision.models.resnet50().eval()
    return module, dict(module.state_dict())


def ours(weights: dict[str, Any], optimize: bool = True) -> bytes:
    """Spec file to ONNX bytes with the given weights, the way a user gets them (`export_bytes`)."""
    return export_bytes(archdsl.load(MODEL), weights=weights, optimize=optimize)


def ours_to_file(weights: dict[str, Any], path: str) -> int:
    """Spec file to a checked .onnx file with the given weights, streamed (`export_file`)."""
    return export_file(archdsl.load(MODEL), path, weights=weights)


def torchscript_export(module: Any, to: str | None = None) -> bytes:
    """`torch.onnx.export` with the TorchScript exporter: to the file `to`, or to bytes (returned)."""
    import torch

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(1, 3, 224, 224),), to or buffer, dynamo=False, opset_version=18,
                          input_names=["x"], output_names=["fc"], dynamic_axes={"x": {0: "N"}, "fc": {0: "N"}})
    return buffer.getvalue()


def dynamo_export(module: Any) -> bytes:
    import torch

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(module, (torch.randn(1, 3, 224, 224),), dynamo=True, opset_version=18,
                                    dynamic_shapes=({0: torch.export.Dim("N")},), verbose=False)
        program.save(buffer)
    return buffer.getvalue()


TORCH_SCRIPT = """
import sys, warnings
import torch, torchvision
module = torchvision.models.resnet50().eval()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    torch.onnx.export(module, (torch.randn(1, 3, 224, 224),), sys.argv[1], dynamo=False, opset_version=18,
                      input_names=["x"], output_names=["fc"], dynamic_axes={"x": {0: "N"}, "fc": {0: "N"}})
"""
"""What a user runs today to get resnet50.onnx with initial weights (the reference of the command row)."""


def _process(args: list[str]) -> None:
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def export_results(module: Any, weights: dict[str, Any], quick: bool, dynamo: bool = True) -> list[Result]:
    """The export rows (`dynamo=False`: without the dynamo exporter's, which alone takes half a minute)."""
    with tempfile.TemporaryDirectory() as folder:
        mine, theirs = f"{folder}/ours.onnx", f"{folder}/theirs.onnx"
        results = [speedup(
            f"export {MODEL} to a file (weights included, checked) vs torch.onnx.export to a file, TorchScript exporter",
            lambda: ours_to_file(weights, mine), lambda: torchscript_export(module, theirs), 10, 1 if quick else 7)]
        if dynamo:
            results.append(speedup(f"export {MODEL} (weights included) vs torch.onnx.export, dynamo exporter",
                                   lambda: ours(weights), lambda: dynamo_export(module), 50, 1 if quick else 3))
        results.append(speedup(
            f"archdsl export {MODEL} (command) vs python torch.onnx.export script (TorchScript), whole processes",
            lambda: _process([sys.executable, "-m", "archdsl", "export", MODEL, "-o", mine]),
            lambda: _process([sys.executable, "-c", TORCH_SCRIPT, theirs]), 5, 1 if quick else 5))
        return results


def cpu_session(data: bytes) -> Callable[[np.ndarray], Any]:
    import onnxruntime as ort

    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda x: session.run(None, {name: x})


def throughput_results(module: Any, weights: dict[str, Any], quick: bool,
                       batches: tuple[int, ...] = BATCHES) -> list[Result]:
    """Ratios > 1: our model serves more images per second (theirs / ours in time per batch).
    Each timed run follows an untimed run of the same session, as when a session serves a stream."""
    theirs = cpu_session(torchscript_export(module))
    folded, plain = cpu_session(ours(weights)), cpu_session(ours(weights, optimize=False))
    results = []
    for batch in batches:
        x = np.random.default_rng(batch).standard_normal((batch, 3, 224, 224)).astype(np.float32)
        runs = (5 if batch > 1 else 10) if quick else (20 if batch > 1 else 50)
        for label, session, target in (("BN folded", folded, 1.05), ("no rewrites", plain, 1.0)):
            results.append(speedup(
                f"onnxruntime CPU throughput, batch {batch}: ours ({label}) vs torch.onnx.export (TorchScript)",
                lambda s=session, x=x: s(x), lambda x=x: theirs(x), target, runs, warmup=3, settle=1))
    return results


PAIRS = (
    ("onnx", "torch", "onnxruntime CUDA EP vs torch eager fp32"),
    ("onnx-tensorrt", "torch", "onnxruntime TensorRT EP (fp32) vs torch eager fp32"),
    ("onnx", "torch-amp", "onnxruntime CUDA EP (fp32) vs torch eager AMP"),
    ("onnx-tensorrt-fp16", "torch-amp", "onnxruntime TensorRT EP (fp16) vs torch eager AMP"),
)
"""GPU comparisons: (ours, theirs, label), by `archdsl bench` backend names."""


def gpu_results(quick: bool, batches: tuple[int, ...] = BATCHES) -> tuple[list[Result], str]:
    """Throughput ratios on the GPU, and the full `archdsl bench` table they come from."""
    model = archdsl.load(MODEL)
    ctx = compare.context(model, "cuda", None, batches, seed=0)
    names = ["torch", "torch-amp", "onnx", "onnx-tensorrt", "onnx-tensorrt-fp16"]
    skipped: dict[str, str] = {}
    rows = compare.bench(ctx, names, runs=10 if quick else 50, warmup=3 if quick else 10, skipped=skipped)
    by = {(row.backend, row.batch): row for row in rows}
    results = []
    for batch in batches:
        for mine, other, label in PAIRS:
            if (mine, batch) in by and (other, batch) in by:
                a, b = by[(mine, batch)], by[(other, batch)]
                results.append(Result(f"{label}, batch {batch} ({a.runs_on})", Timing(a.times), Timing(b.times),
                                      b.latency / a.latency, 1.0))
    notes = [f"- {name} did not run: {why}" for name, why in skipped.items()]
    return results, "\n".join([compare.table(rows), *notes])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one export each, fewer timed runs (smoke test)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="cuda: the GPU comparisons (CUDA and TensorRT providers vs torch eager) instead")
    parser.add_argument("--output", metavar="FILE.md", help="also write the report there (atomically)")
    args = parser.parse_args()
    lines = [f"machine: {machine()}", ""]
    if args.device == "cuda":
        import torch

        lines.insert(1, f"GPU: {torch.cuda.get_device_name(0)}")
        results, table = gpu_results(args.quick)
        lines += [format_table(results), "", table]
    else:
        module, weights = module_and_weights()
        lines.append(format_table(export_results(module, weights, args.quick) + throughput_results(module, weights, args.quick)))
    report = "\n".join(lines) + "\n"
    print(report, end="")
    if args.output:
        write_atomic(args.output, report)


if __name__ == "__main__":
    main()
