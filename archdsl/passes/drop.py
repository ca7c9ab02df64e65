"""Pass: drop the nodes that are identities at inference (dropout, drop_path, identity)."""

from __future__ import annotations

from archdsl.ir.graph import Graph, Ref
from archdsl.passes.base import Rewritten
from archdsl.passes.rewrite import Edit, rewire

INFERENCE_IDENTITIES = frozenset({"dropout", "dropout2d", "drop_path", "identity"})
"""Ops whose output equals their input in inference (random masking is a training-time effect)."""


def drop_identities(graph: Graph) -> Rewritten:
    """Remove every node of an op in INFERENCE_IDENTITIES; its readers read its input instead."""
    removed: dict[str, Ref | None] = {
        node.name: node.inputs[0] for node in graph if node.op in INFERENCE_IDENTITIES
    }
    if not removed:
        return Rewritten(graph)
    return Rewritten(rewire(graph, Edit(removed=removed)))
