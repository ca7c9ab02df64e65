"""Applying the IR passes' weight rewrites (archdsl.passes.FoldBatchNorm) with numpy.

Per-channel factors are computed in float64 and rounded once to the weights' dtype; the
weights themselves are scaled in their own dtype (one multiplication per element, no float64
copy of hundreds of megabytes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from archdsl.backends.onnx.workers import worker_count
from archdsl.ops import OPS
from archdsl.ops.base import WeightLayout
from archdsl.passes import FoldBatchNorm, WeightRewrite

Weights = dict[str, np.ndarray]
Owners = dict[str, list[str]]
"""Node name → the full names of its tensors (`layer1.0.bn1` → `layer1.0.bn1.running_mean`, …)."""


def _out_channels_first(weight: np.ndarray, scale: np.ndarray, groups: int) -> np.ndarray:
    """Conv and Linear: output channels are axis 0 of the weight."""
    return weight * scale.reshape(-1, *([1] * (weight.ndim - 1)))


def _transposed(weight: np.ndarray, scale: np.ndarray, groups: int) -> np.ndarray:
    """ConvTranspose: weight is in × out/groups × k…; output channel g·(out/groups) + j is
    column j of group g's rows."""
    cin, per_group, *kernel = weight.shape
    grouped = weight.reshape(groups, cin // groups, per_group, *kernel)
    scaled = grouped * scale.reshape(groups, 1, per_group, *([1] * len(kernel)))
    return scaled.reshape(weight.shape)


SCALE_OUTPUTS: dict[WeightLayout, Callable[[np.ndarray, np.ndarray, int], np.ndarray]] = {
    "out_first": _out_channels_first,
    "in_first": _transposed,
}
"""How to scale a weight per output channel, by the producer op's `Op.weight_layout`."""


def fold_batchnorm(weights: Weights, fold: FoldBatchNorm, owners: Owners) -> None:
    """Rewrite `fold.producer`'s weight and bias in place; drop `fold.norm`'s tensors."""
    cut = len(fold.norm) + 1
    norm = {name[cut:]: weights.pop(name) for name in owners.get(fold.norm, ())}
    weight = weights[f"{fold.producer}.weight"]
    dtype = weight.dtype
    mean, var = norm["running_mean"].astype(np.float64), norm["running_var"].astype(np.float64)
    scale = 1.0 / np.sqrt(var + fold.eps)
    shift = np.zeros_like(mean)
    if fold.affine:
        scale = scale * norm["weight"].astype(np.float64)
        shift = norm["bias"].astype(np.float64)
    bias = weights[f"{fold.producer}.bias"].astype(np.float64) if fold.had_bias else np.zeros_like(mean)
    weights[f"{fold.producer}.weight"] = SCALE_OUTPUTS[OPS[fold.op].weight_layout](weight, scale.astype(dtype), fold.groups)
    weights[f"{fold.producer}.bias"] = ((bias - mean) * scale + shift).astype(dtype)


REWRITES: dict[type, Callable[[Weights, WeightRewrite, Owners], None]] = {FoldBatchNorm: fold_batchnorm}
"""Each kind of weight rewrite the passes produce → how to apply it."""


def owners(names: Iterable[str]) -> Owners:
    """Tensors by the node owning them (tensor names have no dots; node names may)."""
    found: Owners = {}
    for name in names:
        found.setdefault(name.rpartition(".")[0], []).append(name)
    return found


def apply_weight_rewrites(weights: Mapping[str, np.ndarray], rewrites: Sequence[WeightRewrite]) -> Weights:
    """A copy of `weights` with every rewrite applied (the input is left untouched).

    Rewrites of different producers read and write different tensors, so they run on a thread
    per idle CPU (archdsl.backends.onnx.workers: numpy multiplies without holding the GIL, and
    ResNet-50 scales ~100 MB); those of one producer run in the order given."""
    found = dict(weights)
    tensors = owners(found)
    chains: dict[str, list[WeightRewrite]] = {}
    for rewrite in rewrites:
        chains.setdefault(rewrite.producer, []).append(rewrite)

    def run(chain: list[WeightRewrite]) -> None:
        for rewrite in chain:
            REWRITES[type(rewrite)](found, rewrite, tensors)

    workers = worker_count(len(chains))
    if workers <= 1:
        for chain in chains.values():
            run(chain)
        return found
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, chains.values()))  # list(): a worker's exception is raised here
    return found
