"""Where the exported weights come from, checked against what the ops declare.

- a checkpoint (`--weights state_dict.safetensors`, the torch backend's names; `.npz` and `.pt`
  too: archdsl.backends.onnx.checkpoints), or a mapping of arrays/tensors from Python: every
  tensor the spec declares must be there, with its shape, and nothing else (a BackendError per
  problem, naming the tensor);
- otherwise initial weights under a seed, drawn in numpy bit for bit as
  `model.to_torch(seed=...)` initialises them (archdsl.backends.onnx.initial_weights), without
  importing torch; only what numpy cannot reproduce (`initial_weights.torch_only`: an
  `orthogonal` rule, say) is built by the torch backend, and needs torch installed.
  torch is otherwise imported only to read a `.pt` checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from archdsl.backends import get_backend
from archdsl.backends.onnx.checkpoints import load_checkpoint, torch_available
from archdsl.backends.onnx.dtypes import numpy_dtype
from archdsl.errors import ArchdslError, BackendError, ErrorGroup, did_you_mean
from archdsl.ir.graph import Graph, Node
from archdsl.lowering import Lowering
from archdsl.ops import OPS, Weight

Weights = dict[str, np.ndarray]
MAX_REPORTED = 20


def declared(graph: Graph) -> dict[str, tuple[Node, Weight]]:
    """Every parameter and buffer of the graph by full name (`layer1.0.conv1.weight`)."""
    found: dict[str, tuple[Node, Weight]] = {}
    for node in graph:
        for name, weight in OPS[node.op].weights(node.attrs, graph.input_types(node)).items():
            found[f"{node.name}.{name}"] = (node, weight)
    return found


def resolve(lowering: Lowering, weights: str | Path | Mapping[str, Any] | None = None, seed: int | None = None) -> Weights:
    """The weights to export: given (checked), or initial ones under `seed` (0 when None)."""
    if weights is not None and seed is not None:
        raise BackendError("both weights and a seed were given; a seed only chooses initial weights",
                           hint="drop --seed, or drop --weights to export initial weights")
    if weights is not None:
        given = load_checkpoint(weights) if isinstance(weights, (str, Path)) else weights
        return check(lowering.graph, given, str(weights) if isinstance(weights, (str, Path)) else "weights")
    seed = 0 if seed is None else seed
    from archdsl.backends.onnx.initial_weights import initial_weights, torch_only

    needs_torch = torch_only(lowering.graph, lowering.init)
    if needs_torch is None:
        return initial_weights(lowering.graph, lowering.init, seed)
    if not torch_available():
        raise BackendError(f"{needs_torch.message}; its initial weights need torch, which is not installed",
                           needs_torch.span, needs_torch.node, hint="install torch, or pass --weights (a .safetensors or .npz state_dict)")
    module = get_backend("torch").lower(lowering, seed=seed, device="cpu")
    return check(lowering.graph, module.state_dict(), f"the torch backend's initialisation (seed {seed})")


def as_array(value: Any) -> np.ndarray:
    """A numpy array of a numpy array or a (CPU or GPU) torch tensor, without copying where possible."""
    if hasattr(value, "detach"):
        import torch  # a tensor is here, so torch is loaded already; emission without one never gets here

        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret the bits as ml_dtypes'
            return value.view(torch.int16).numpy().view(numpy_dtype("bfloat16"))
        value = value.numpy()
    return np.asarray(value)


def check(graph: Graph, given: Mapping[str, Any], source: str) -> Weights:
    """The given tensors as arrays of the declared dtypes; every missing, extra or
    mis-shaped tensor is a BackendError naming it (up to MAX_REPORTED, reported together)."""
    expected = declared(graph)
    errors: list[ArchdslError] = []
    found: Weights = {}
    for name, (node, weight) in expected.items():
        if name not in given:
            errors.append(BackendError(f"{source} has no tensor '{name}' ({_show(weight.shape)})", node.span, node.name))
            continue
        array = as_array(given[name])
        if tuple(array.shape) != weight.shape:
            errors.append(BackendError(
                f"tensor '{name}' in {source} has shape {_show(array.shape)}, the spec declares {_show(weight.shape)}",
                node.span, node.name))
            continue
        found[name] = array.astype(numpy_dtype(weight.dtype), copy=False)
    for name in given:
        if name not in expected:
            errors.append(BackendError(f"{source} has a tensor '{name}' that the spec does not declare",
                                       hint=did_you_mean(name, expected)))
    if errors:
        raise ErrorGroup(errors[:MAX_REPORTED])
    return found


def _show(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"
