"""The order the generated `forward` runs nodes in, and which ops may run in place.

Nodes that feed only train-only outputs (GoogLeNet's auxiliary heads) go last,
after an early `return` taken in eval mode, so inference never computes them.
Everything else keeps the spec's order.

`inplace: true` in a spec asks an op to overwrite its input. The graph is a
dataflow graph, so that is honoured only where no one can tell: the input's
storage (followed through views and earlier in-place ops) is not a graph input
or output and is read by nothing scheduled later. Elsewhere the op runs out of
place and `Schedule.out_of_place` names it (the build summary reports it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from archdsl.ir.graph import Graph, Ref
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


def make_schedule(graph: Graph, aliases: Callable[[str], bool]) -> Schedule:
    """Order nodes (train-only tail last) and decide in-place ops; `aliases(op)`: result may view input."""
    train_only = _train_only(graph)
    order = tuple(n for n in graph.nodes if n not in train_only) + tuple(n for n in graph.nodes if n in train_only)
    in_place, refused = _in_place(graph, order, aliases)
    return Schedule(order, frozenset(train_only), frozenset(in_place), tuple(refused))


def _ancestors(graph: Graph, refs: list[Ref]) -> set[str]:
    seen: set[str] = set()
    stack = [ref.node for ref in refs]
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(ref.node for ref in graph.nodes[name].inputs)
    return seen


def _train_only(graph: Graph) -> set[str]:
    """Nodes that some train-only output needs and no other output does."""
    outputs = list(graph.outputs.values())
    trained = _ancestors(graph, [o.ref for o in outputs if o.train_only])
    if not trained:
        return set()
    return trained - _ancestors(graph, [o.ref for o in outputs if not o.train_only])


def _in_place(graph: Graph, order: tuple[str, ...], aliases: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    position = {name: i for i, name in enumerate(order)}
    last_read = _last_reads(graph, position)
    storage: dict[str, int] = {}
    """Storage id of each node's result; views and in-place results share their input's."""
    members: dict[int, list[str]] = {}
    pinned = {n.name for n in graph if n.op == "input"} | {o.ref.node for o in graph.outputs.values()}
    done: list[str] = []
    refused: list[str] = []
    for name in order:
        node = graph.nodes[name]
        op = OPS[node.op]
        source = storage.get(node.inputs[0].node) if node.inputs else None
        wants = node.inputs and op.in_place(node.attrs)
        if wants:
            class_ = members[source]  # type: ignore[index]
            free = all(last_read[m] <= position[name] and m not in pinned for m in class_)
            (done if free else refused).append(name)
        shares = source is not None and (name in done or aliases(node.op) or op.shares_input(node.attrs))
        storage[name] = source if shares else len(members)  # type: ignore[assignment]
        members.setdefault(storage[name], []).append(name)
    return done, refused


def _last_reads(graph: Graph, position: dict[str, int]) -> dict[str, int]:
    """For each node, the schedule position of its last reader (its own when unread)."""
    last = dict(position)
    for node in graph:
        for ref in node.inputs:
            last[ref.node] = max(last[ref.node], position[node.name])
    return last
