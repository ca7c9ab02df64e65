"""The order the generated `forward` runs nodes in, and which ops may run in place.

Nodes that feed only train-only outputs (GoogLeNet's auxiliary heads) go last,
after an early `return` taken in eval mode, so inference never computes them.
Everything else keeps the spec's order; nodes no output reads are not run at all.

`inplace: true` in a spec asks an op to overwrite its input. The graph is a
dataflow graph, so that is honoured only where no one can tell, autograd
included: the op is the only reader of its input's storage (followed through
views and earlier in-place ops), which is no graph input or output, which the op's other inputs
do not also read (two views of one tensor), and whose writer does not keep its
result for the backward pass (relu, sigmoid, tanh, softmax do). Elsewhere the op runs out of place and `Schedule.out_of_place`
names it (the build summary reports it). Under the same conditions `add`
writes into its first input (`a += b`, as torchvision's residual blocks do),
which saves an allocation per residual join.
"""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.ir.graph import Graph
from archdsl.ops import OPS


@dataclass(frozen=True)
class Schedule:
    """Node order of the generated code and the in-place decisions."""

    order: tuple[str, ...]
    train_only: frozenset[str]
    """Nodes computed only in training mode (after the eval-mode return)."""
    in_place: frozenset[str]
    """Nodes whose op runs in place."""
    out_of_place: tuple[str, ...]
    """Nodes the spec marks `inplace` that run out of place to keep results right."""
    dead: frozenset[str] = frozenset()
    """Nodes no output reads (lint's dead-node): their modules exist, but forward never runs them,
    as the analysis (whose MACs leave them out) and the ONNX export (which drops them) assume."""


def make_schedule(graph: Graph) -> Schedule:
    """Order nodes (train-only tail last) and decide which ops run in place."""
    train_only = graph.liveness.train_only
    order = tuple(n for n in graph.nodes if n not in train_only) + tuple(n for n in graph.nodes if n in train_only)
    in_place, refused = _in_place(graph, order)
    return Schedule(order, train_only, frozenset(in_place), tuple(refused), graph.liveness.dead)


def _in_place(graph: Graph, order: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """An op runs in place when it is the only reader of its input's storage, that storage is
    no graph input or output, and no op that wrote it keeps its result for autograd."""
    readers = graph.consumers()
    pinned = {n.name for n in graph if n.is_input} | {o.ref.node for o in graph.outputs.values()}
    storage: dict[str, int] = {}
    """Storage id of each node's result; views and in-place results share their input's."""
    members: dict[int, list[str]] = {}
    done: list[str] = []
    refused: list[str] = []
    for name in order:
        node = graph.nodes[name]
        op = OPS[node.op]
        source = storage.get(node.inputs[0].node) if node.inputs else None
        asked = op.in_place(node.attrs)
        if source is not None and (asked or _may_reuse(graph, name)):
            shared = members[source]
            others = {r for m in shared for r in readers[m]} - set(shared) - {name}
            saved = OPS[graph.nodes[shared[0]].op].keeps_result(in_place=False) or any(
                OPS[graph.nodes[m].op].keeps_result(in_place=True) for m in shared if m in done)
            # `a += b` with b a view of a's storage (two crops of one tensor) reads what it overwrites
            read_while_written = any(storage.get(ref.node) == source for ref in node.inputs[1:])
            if not (others or saved or read_while_written or pinned & set(shared)):
                done.append(name)
            elif asked:
                refused.append(name)
        shares = source is not None and (name in done or op.aliases_input() or op.shares_input(node.attrs))
        storage[name] = source if shares else len(members)  # type: ignore[assignment]
        members.setdefault(storage[name], []).append(name)
    return done, refused


def _may_reuse(graph: Graph, name: str) -> bool:
    """An op like add may write into its first input when that has the result's exact type."""
    node = graph.nodes[name]
    return OPS[node.op].reuses_input and graph.type_of(node.inputs[0]) == graph.types[name][0]
