"""The ONNX export pipeline: rewrite the IR, pick the opset, resolve and rewrite the weights, emit;
then a ModelProto (`export`), its serialized bytes (`export_bytes`, much faster than
`export(...).SerializeToString()`: the weights are not copied through protobuf), or a checked
file written straight from the weights (`export_file`: the bytes are never joined in memory)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import onnx

from archdsl.backends.onnx.checks import check_structure
from archdsl.backends.onnx.model_proto import Emission, build_model, metadata, resolve_opset
from archdsl.backends.onnx.serialize import Emitted
from archdsl.backends.onnx.weight_rewrites import apply_weight_rewrites
from archdsl.backends.onnx.weights import resolve
from archdsl.fileio import write_atomic_with
from archdsl.ir.graph import Graph
from archdsl.lowering import Lowering
from archdsl.passes import optimize as run_passes
from archdsl.progress import stage


@dataclass(frozen=True)
class ExportOptions:
    """Everything `archdsl export` and `model.to_onnx(...)` accept."""

    weights: str | Path | Mapping[str, Any] | None = None
    """A checkpoint path (.pt/.pth/.npz) or a mapping of tensors; None: initial weights."""
    seed: int | None = None
    """Seed of the initial weights when none are given (None: 0, so exports are reproducible)."""
    opset: int | None = None
    """None: the oldest opset (18 or newer) that expresses every node."""
    functions: bool = False
    """Emit each block kind as an ONNX local function called per instance."""
    optimize: bool = True
    """Run the inference rewrites (archdsl.passes): train-only outputs, identities, BatchNorm folding."""


def exported(lowering: Lowering, options: ExportOptions = ExportOptions()) -> Emitted:
    """The model emitted with its initializers' data apart, ready to serialize or to complete."""
    graph: Graph = lowering.graph
    rewrites = ()
    if options.optimize:
        rewritten = run_passes(graph)
        graph, rewrites = rewritten.graph, rewritten.weights
    opset = resolve_opset(graph, options.opset)  # before the weights: fail fast, nothing built
    with stage("drawing the weights" if options.weights is None else "reading the weights"):
        weights = apply_weight_rewrites(resolve(lowering, options.weights, options.seed), rewrites)
    meta = metadata(lowering.spec.name, lowering.spec.params, options.optimize)
    with stage("emitting ONNX"):
        return build_model(graph, weights, Emission(opset, options.functions, meta))


def export(lowering: Lowering, options: ExportOptions = ExportOptions()) -> onnx.ModelProto:
    """The model as an ONNX ModelProto (see ExportOptions)."""
    return exported(lowering, options).proto()


def export_bytes(lowering: Lowering, options: ExportOptions = ExportOptions()) -> bytes:
    """The model as serialized ONNX, the bytes of `export(model, options).SerializeToString()`
    (a BackendError beyond protobuf's 2 GiB)."""
    return exported(lowering, options).to_bytes()


def export_file(lowering: Lowering, path: str | Path, options: ExportOptions = ExportOptions(),
                checked: bool = True) -> tuple[onnx.ModelProto, int]:
    """Write the model to `path` atomically, streamed from the weights (never joined in memory).
    With `checked`, the ONNX checker (full check) passes the model's structure first
    (`checks.check_structure`): a rejection is a BackendError located at the spec node, and
    nothing is written. The model's header (initializers without data: what a summary reads)
    and the file's size in bytes."""
    result = exported(lowering, options)
    if checked:
        with stage("checking the ONNX model"):
            check_structure(result.model, lowering.graph)
    size = 0

    def write(out: BinaryIO) -> None:
        nonlocal size
        size = result.write(out)

    with stage(f"writing {path}"):
        write_atomic_with(path, write)
    return result.model, size


def lower(lowering: Lowering, **options: Any) -> onnx.ModelProto:
    """`model.lower("onnx", weights=..., seed=..., opset=..., functions=..., optimize=...)`."""
    return export(lowering, ExportOptions(**options))
