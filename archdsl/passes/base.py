"""What a rewrite pass returns: the new IR, plus the weight rewrites it implies, as data.

The core knows no tensors (no numpy, no torch), so a pass that changes weights
(BatchNorm folding) records *what* must happen to them; a backend that holds
the weights applies each record (archdsl/backends/onnx/weight_rewrites.py does it with numpy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from archdsl.ir.graph import Graph


@dataclass(frozen=True)
class FoldBatchNorm:
    """`producer` (a conv or linear node) absorbs the inference-time affine map of BatchNorm
    `norm`: with s = γ / √(running_var + eps), its weight is scaled by s along the output
    channels and its bias becomes (bias − running_mean)·s + β (bias 0 when it had none;
    γ = 1, β = 0 when the norm is not affine). `norm`'s tensors are no longer needed."""

    producer: str
    op: str
    """The producer's op: which axis of its weight holds the output channels follows from it."""
    norm: str
    eps: float
    affine: bool
    had_bias: bool
    groups: int = 1


WeightRewrite = FoldBatchNorm
"""Every kind of weight rewrite a pass may ask for."""


@dataclass(frozen=True)
class Rewritten:
    """A pass's result: the rewritten graph and the weight rewrites, in the order to apply."""

    graph: Graph
    weights: tuple[WeightRewrite, ...] = ()


@dataclass(frozen=True)
class Pass:
    """A named rewrite: a pure function of the graph."""

    name: str
    description: str
    run: Callable[[Graph], Rewritten]
