"""Activation memory: peak for inference by liveness, and what training keeps.

Views (flatten, reshape, split, ...) and in-place ops share their input's
storage, and so, at inference, do dropout and drop path (eval mode returns the
input). A storage is live from the node that allocates it until the last node
that reads it or any of its aliases (graph outputs stay live to the end).
"""

from __future__ import annotations

from dataclasses import dataclass

from archdsl.ir.graph import Graph
from archdsl.ops import OPS


@dataclass(frozen=True)
class Memory:
    """Activation memory at batch 1, in bytes."""

    peak_inference: int
    """Most bytes of activations alive at once while running the inference schedule."""
    training: int
    """Bytes of all distinct activation storages of one forward pass: what autograd
    may keep for the backward pass (an upper bound; parameters and grads excluded)."""
    peak_step: str
    """The node at which the inference peak happens."""


def _storages(graph: Graph, sizes: dict[str, int], inference: bool = False) -> tuple[dict[str, str], dict[str, int]]:
    """Each node's storage root, and each root's size in bytes (its largest alias); with
    `inference`, dropout and drop path share their input's, as eval mode returns the input.
    An in-place op shares its input's storage only where nothing reads that storage after it
    (no backend can overwrite a tensor a later node, or the caller, still reads)."""
    read_until = _last_reads(graph)
    root: dict[str, str] = {}
    size: dict[str, int] = {}
    group_read: dict[str, int] = {}  # storage root → the last step that reads any of its aliases
    for index, node in enumerate(graph):
        name, op = node.name, OPS[node.op]
        shares = bool(node.inputs) and (op.shares_input(node.attrs) or inference and op.eval_alias)
        if shares and not op.view and op.in_place(node.attrs):
            shares = group_read[root[node.inputs[0].node]] <= index
        if shares:
            owner = root[node.inputs[0].node]
            size[owner] = max(size[owner], sizes[name])
            group_read[owner] = max(group_read[owner], read_until.get(name, index))
        else:
            owner = name
            size[name] = sizes[name]
            group_read[name] = read_until.get(name, index)
        root[name] = owner
    return root, size


def _last_reads(graph: Graph) -> dict[str, int]:
    """The step of each node's last reader; graph inputs and outputs are read after the end."""
    last: dict[str, int] = {}
    for index, node in enumerate(graph):
        for ref in node.inputs:
            last[ref.node] = index
    end = len(graph)
    last.update((node.name, end) for node in graph if node.is_input)
    last.update((output.ref.node, end) for output in graph.outputs.values())
    return last


def peak_activation(graph: Graph, keep: frozenset[str], root: dict[str, str], size: dict[str, int]) -> tuple[int, str]:
    """Peak live activation bytes over the schedule restricted to `keep`."""
    order = [node for node in graph if node.name in keep]
    last: dict[str, int] = {}  # storage root → the step that reads (or makes) it last
    for index, node in enumerate(order):
        last[root[node.name]] = index
        for ref in node.inputs:
            last[root[ref.node]] = index
    for output in graph.outputs.values():
        if output.ref.node in keep:
            last[root[output.ref.node]] = len(order)
    freed = [0] * (len(order) + 1)  # bytes whose storage dies after each step
    for owner, index in last.items():
        freed[index] += size[owner]
    live = peak = 0
    peak_node = ""
    for index, node in enumerate(order):
        name = node.name
        if root[name] == name:
            live += size[name]
        if live > peak:
            peak, peak_node = live, name
        live -= freed[index]
    return peak, peak_node


def memory(graph: Graph, inference: frozenset[str], activation_bytes: dict[str, int]) -> Memory:
    """Inference peak over `inference` nodes; training storage over the whole graph."""
    root, size = _storages(graph, activation_bytes)
    if any(OPS[op].eval_alias for op in {node.op for node in graph}):  # else inference shares the same way
        eval_root, eval_size = _storages(graph, activation_bytes, inference=True)
    else:
        eval_root, eval_size = root, size
    peak, at = peak_activation(graph, inference, eval_root, eval_size)
    return Memory(peak_inference=peak, training=sum(size.values()), peak_step=at)
