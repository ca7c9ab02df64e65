"""Editing a graph: remove nodes, rewire their readers, keep outputs and scopes consistent.

Every rewrite pass is built from `rewire`: it takes the nodes a pass removes
(each with the Ref that now stands for it, or None when nothing may read it any
more) and the nodes it replaces, and returns a new Graph with every reference
(node inputs, graph outputs, scope inputs and outputs) followed through the
removals. Types are re-inferred from the op rules; `verify` then checks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from archdsl.analysis.shapes import infer_shapes
from archdsl.ir.graph import Graph, Node, Output, Ref, Scope


class RewriteError(RuntimeError):
    """A pass produced an invalid graph: a bug in the pass, not a user mistake."""


@dataclass(frozen=True)
class Edit:
    """What one pass changes: removed nodes (→ the Ref standing in for them) and replaced nodes."""

    removed: Mapping[str, Ref | None] = field(default_factory=dict)
    replaced: Mapping[str, Node] = field(default_factory=dict)
    dropped_outputs: frozenset[str] = frozenset()
    """Graph outputs to leave out even though their node stays."""


def follow(ref: Ref, removed: Mapping[str, Ref | None]) -> Ref | None:
    """The Ref that `ref` becomes once removed nodes are bypassed (None: it is gone)."""
    seen: set[str] = set()
    current: Ref | None = ref
    while current is not None and current.node in removed:
        if current.node in seen:
            raise RewriteError(f"removed nodes replace each other in a cycle at '{current.node}'")
        seen.add(current.node)
        current = removed[current.node]
    return current


def _refs(refs: tuple[Ref, ...], removed: Mapping[str, Ref | None], where: str) -> tuple[Ref, ...]:
    found = []
    for ref in refs:
        target = follow(ref, removed)
        if target is None:
            raise RewriteError(f"{where} reads '{ref}', which a pass removed without a replacement")
        found.append(target)
    return tuple(found)


def rewire(graph: Graph, edit: Edit) -> Graph:
    """The graph with `edit` applied; types re-inferred (see the module docstring)."""
    removed = edit.removed
    nodes: dict[str, Node] = {}
    for name, node in graph.nodes.items():
        if name in removed:
            continue
        node = edit.replaced.get(name, node)
        nodes[name] = node._replace(inputs=_refs(node.inputs, removed, f"node '{name}'"))
    outputs: dict[str, Output] = {}
    for name, output in graph.outputs.items():
        if name in edit.dropped_outputs:
            continue
        target = follow(output.ref, removed)
        if target is not None:
            outputs[name] = replace(output, ref=target)
    result = Graph(graph.name, nodes, outputs, _scopes(graph.scopes, nodes, removed), {}, dict(graph.meta))
    result.types = infer_shapes(result)
    return result


def _scopes(scopes: Mapping[str, Scope], nodes: Mapping[str, Node], removed: Mapping[str, Ref | None]) -> dict[str, Scope]:
    """Scopes that still hold a node, their boundary refs followed (refs to dropped nodes left out)."""
    alive: set[str] = set()
    for node in nodes.values():
        name = node.scope
        while name and name not in alive and name in scopes:
            alive.add(name)
            name = scopes[name].parent
    found: dict[str, Scope] = {}
    for name, scope in scopes.items():
        if name not in alive:
            continue
        inputs = tuple(r for r in (follow(ref, removed) for ref in scope.inputs) if r is not None)
        outputs = tuple(r for r in (follow(ref, removed) for ref in scope.outputs) if r is not None)
        found[name] = scope._replace(inputs=inputs, outputs=outputs)
    return found
