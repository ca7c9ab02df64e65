"""IR rewrite passes for inference: pure functions Graph → Rewritten, each verified after it runs.

`optimize(graph)` runs the default pipeline: leave train-only outputs out, drop
inference identities (dropout, drop_path, identity), fold BatchNorm into the
preceding conv/linear. Weight changes come back as data (`FoldBatchNorm`), for
the backend that holds the weights to apply; see archdsl/passes/base.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from archdsl.ir.graph import Graph
from archdsl.passes.base import FoldBatchNorm, Pass, Rewritten, WeightRewrite
from archdsl.passes.drop import INFERENCE_IDENTITIES, drop_identities
from archdsl.passes.fold import fold_batchnorm
from archdsl.passes.prune import drop_train_only
from archdsl.passes.rewrite import RewriteError
from archdsl.passes.verify import verify

PASSES: tuple[Pass, ...] = (
    Pass("drop_train_only", "leave train-only outputs and what only they read out", drop_train_only),
    Pass("drop_identities", f"drop {', '.join(sorted(INFERENCE_IDENTITIES))} (identities at inference)", drop_identities),
    Pass("fold_batchnorm", "fold BatchNorm into the conv/linear before it", fold_batchnorm),
)
"""The inference pipeline, in order."""


def optimize(graph: Graph, passes: Sequence[Pass] = PASSES) -> Rewritten:
    """Run `passes` in order, verifying the IR after each; the weight rewrites of all of them."""
    weights: list[WeightRewrite] = []
    for step in passes:
        result = step.run(graph)
        if result.graph is not graph:
            verify(graph, result.graph, step.name)
        graph = result.graph
        weights.extend(result.weights)
    return Rewritten(graph, tuple(weights))


__all__ = [
    "FoldBatchNorm", "PASSES", "Pass", "RewriteError", "Rewritten", "WeightRewrite",
    "drop_identities", "drop_train_only", "fold_batchnorm", "optimize", "verify",
]
