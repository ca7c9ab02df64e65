"""Pass: fold an inference BatchNorm into the convolution or linear layer that feeds it."""

from __future__ import annotations

from archdsl.ir.graph import Graph, Node, Ref
from archdsl.ops import OPS
from archdsl.passes.base import FoldBatchNorm, Rewritten
from archdsl.passes.rewrite import Edit, rewire


def fold_batchnorm(graph: Graph) -> Rewritten:
    """Fold every BatchNorm (with running statistics) that is the only reader of a conv/linear."""
    readers = graph.consumers()
    outputs = {output.ref.node for output in graph.outputs.values()}
    removed: dict[str, Ref | None] = {}
    replaced: dict[str, Node] = {}
    folds: list[FoldBatchNorm] = []
    for norm in graph:
        producer = _foldable(graph, norm, readers, outputs)
        if producer is None or producer.name in replaced:
            continue
        attrs = type(producer.attrs).model_validate({**producer.attrs.model_dump(), "bias": True})
        replaced[producer.name] = producer._replace(attrs=attrs)
        removed[norm.name] = Ref(producer.name)
        folds.append(FoldBatchNorm(
            producer.name, producer.op, norm.name, float(norm.attrs.eps), bool(norm.attrs.affine),
            bool(producer.attrs.bias), int(getattr(producer.attrs, "groups", 1)),
        ))
    if not folds:
        return Rewritten(graph)
    return Rewritten(rewire(graph, Edit(removed=removed, replaced=replaced)), tuple(folds))


def _foldable(graph: Graph, norm: Node, readers: dict[str, list[str]], outputs: set[str]) -> Node | None:
    """The producer `norm` can fold into, or None."""
    if not norm.op.startswith("batchnorm") or not norm.attrs.track_running_stats:
        return None  # without running statistics BatchNorm normalises by the batch: not a fixed map
    ref = norm.inputs[0]
    producer = graph.nodes[ref.node]
    if not OPS[producer.op].folds(norm.op, graph.type_of(ref)):
        return None  # the op says which norms fold into it (archdsl/ops: Op.folds_norms)
    if readers[producer.name] != [norm.name] or producer.name in outputs:
        return None  # someone else reads the un-normalised value
    return producer
