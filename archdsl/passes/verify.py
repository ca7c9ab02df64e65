"""Verification after every rewrite: the IR is well formed and computes the same outputs."""

from __future__ import annotations

from archdsl.analysis.shapes import infer_shapes
from archdsl.errors import ArchdslError
from archdsl.ir.graph import Graph, Ref
from archdsl.ops import OPS
from archdsl.passes.rewrite import RewriteError


def verify(before: Graph, after: Graph, name: str) -> None:
    """Raise RewriteError unless `after` (made by pass `name` from `before`) is well formed,
    re-infers to its recorded types, keeps every surviving node's type, and still has
    every inference output of `before` with its type."""
    try:
        check_structure(after)
        _check_types(before, after)
    except RewriteError as error:
        raise RewriteError(f"pass '{name}' broke the graph: {error}") from None


def check_structure(graph: Graph) -> None:
    """References point backwards in schedule order, to existing ports; ops, arities and scopes exist."""
    seen: dict[str, int] = {}
    for node in graph:
        op = OPS.get(node.op)
        if op is None:
            raise RewriteError(f"node '{node.name}' has unknown op '{node.op}'")
        low, high = op.arity
        if len(node.inputs) < low or (high is not None and len(node.inputs) > high):
            raise RewriteError(f"node '{node.name}' ({node.op}) has {len(node.inputs)} inputs")
        for ref in node.inputs:
            _check_ref(ref, seen, f"node '{node.name}'")
        if node.scope and node.scope not in graph.scopes:
            raise RewriteError(f"node '{node.name}' is in unknown scope '{node.scope}'")
        seen[node.name] = len(graph.types.get(node.name, ()))
    for output in graph.outputs.values():
        _check_ref(output.ref, seen, f"output '{output.name}'")
    for scope in graph.scopes.values():
        for ref in scope.inputs + scope.outputs:
            _check_ref(ref, seen, f"scope '{scope.name}'")


def _check_ref(ref: Ref, seen: dict[str, int], where: str) -> None:
    if ref.node not in seen:
        raise RewriteError(f"{where} reads '{ref}', which is not an earlier node")
    if not 0 <= ref.port < seen[ref.node]:
        raise RewriteError(f"{where} reads port {ref.port} of '{ref.node}', which has {seen[ref.node]}")


def _check_types(before: Graph, after: Graph) -> None:
    try:
        inferred = infer_shapes(after)
    except ArchdslError as error:
        raise RewriteError(f"shape inference fails: {error.format()}") from None
    if inferred != after.types:
        raise RewriteError("the recorded types differ from the re-inferred ones")
    for name, types in after.types.items():
        if name in before.types and before.types[name] != types:
            raise RewriteError(f"node '{name}' changed type from {before.types[name]} to {types}")
    for name, output in before.outputs.items():
        if output.train_only:
            continue
        kept = after.outputs.get(name)
        if kept is None or kept.train_only:
            raise RewriteError(f"inference output '{name}' is gone")
        if after.type_of(kept.ref) != before.type_of(output.ref):
            raise RewriteError(f"output '{name}' changed type")
