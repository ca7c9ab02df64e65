"""Repeated block instances: expand a block once per distinct case, then copy it under new names.

A block's expansion is a pure function of the block, its param values, the types of its
inputs (and which inputs are the same tensor) and its nesting depth: its graph cannot see
the caller's names. ResNet-152's 50 bottlenecks are 8 distinct cases, so 42 of them are
copies: the recorded nodes, scopes and names renamed from one instance's prefix to another's,
with the old instance's inputs swapped for the new one's. Only error-free expansions are
recorded, so a mistake is still reported at the instance that makes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from archdsl.expansion.builder import GraphBuilder
from archdsl.expansion.frame import POISON, ScopeValue, Value
from archdsl.expansion.keys import freeze
from archdsl.ir.graph import Node, Ref, Scope
from archdsl.memo import size_upto
from archdsl.spec.expr import MEMO_ELEMENTS
from archdsl.tensors import TensorType


@dataclass(frozen=True)
class Template:
    """One expanded block instance, ready to be copied under another name."""

    scope: str
    """The recorded instance's dotted name (`layer3.1`)."""
    inputs: tuple[Ref, ...]
    """The recorded instance's inputs, in the block's input order."""
    nodes: tuple[Node, ...]
    types: tuple[tuple[TensorType, ...], ...]
    scopes: tuple[Scope, ...]
    """Scopes opened inside the instance (nested blocks, repeats), not the instance's own."""
    names: dict[str, Value]
    """The instance's visible names when it closed (for `instance.inner` references)."""
    outputs: dict[str, Ref]

    @property
    def size(self) -> int:
        """Nodes and scopes a copy adds (counted against the graph_nodes limit)."""
        return len(self.nodes) + len(self.scopes)

    @cached_property
    def plan(self) -> tuple[NodePlan, ...]:
        """The nodes with names as suffixes and inputs as (bound input index or -1, suffix, port),
        so a copy only joins strings: most of ResNet-152's nodes are made this way."""
        cut = len(self.scope) + 1
        return tuple(
            NodePlan(node.name[cut:], node.op, node.attrs, tuple(map(self.source, node.inputs)), node.span,
                     None if node.scope == self.scope else node.scope[cut:], types)
            for node, types in zip(self.nodes, self.types, strict=True)
        )

    @cached_property
    def ref_names(self) -> dict[str, tuple[int, str, int]]:
        """The names and outputs that are plain references, as sources (the rest are scopes)."""
        found = {f"names.{key}": self.source(value) for key, value in self.names.items() if isinstance(value, Ref)}
        return found | {f"outputs.{key}": self.source(ref) for key, ref in self.outputs.items()}

    def source(self, ref: Ref) -> tuple[int, str, int]:
        """(index of the bound input, "", 0) or (-1, name suffix inside the instance, port)."""
        if ref in self.inputs:
            return self.inputs.index(ref), "", 0
        return -1, ref.node[len(self.scope) + 1:], ref.port


class NodePlan(NamedTuple):
    """One node of a Template, relative to the instance (see Template.plan)."""

    suffix: str
    op: str
    attrs: Any
    sources: tuple[tuple[int, str, int], ...]
    span: Any
    scope: str | None
    """The inner scope's suffix; None: the instance's own scope."""
    types: tuple[TensorType, ...]


def same_tensor_pattern(refs: tuple[Ref, ...]) -> tuple[int, ...]:
    """For each input, the index of its first equal input: (0, 0) when one tensor is given twice,
    which a template recorded with two different tensors could not reproduce (or vice versa)."""
    return tuple(refs.index(ref) for ref in refs)


class Renamer:
    """Maps one instance's names and references onto another's."""

    def __init__(self, template: Template, scope: str, inputs: tuple[Ref, ...]) -> None:
        self.old = template.scope
        self.new = scope
        self.cut = len(template.scope) + 1
        self.inputs = dict(zip(template.inputs, inputs, strict=True))

    def name(self, name: str) -> str:
        if name == self.old:
            return self.new
        if name.startswith(self.old) and name[len(self.old)] == ".":
            return f"{self.new}.{name[self.cut:]}"
        return name

    def ref(self, ref: Ref) -> Ref:
        bound = self.inputs.get(ref)
        if bound is not None:
            return bound
        return Ref(f"{self.new}.{ref.node[self.cut:]}", ref.port)

    def value(self, value: Value) -> Value:
        if isinstance(value, Ref):
            return self.ref(value)
        return ScopeValue(self.name(value.name), self.refs(value.outputs), {k: self.value(v) for k, v in value.names.items()})

    def refs(self, refs: dict[str, Ref]) -> dict[str, Ref]:
        return {key: self.ref(ref) for key, ref in refs.items()}

    def scope(self, scope: Scope) -> Scope:
        return Scope(self.name(scope.name), scope.kind, scope.block, scope.params, scope.span, self.name(scope.parent),
                     tuple(map(self.ref, scope.inputs)), tuple(map(self.ref, scope.outputs)))


@dataclass(frozen=True)
class Expanded:
    """Where one instance's expansion landed: made into a Template only when a copy is wanted,
    so blocks that never repeat a case (DenseNet's growing inputs) cost nothing extra."""

    scope: str
    inputs: tuple[Ref, ...]
    names: dict[str, Value]
    outputs: dict[str, Ref]
    nodes: range
    """Indices of the instance's nodes in the expansion's node order."""
    scopes: range
    """Indices of the scopes opened inside it (after its own) in the scope order."""

    def template(self, node_order: list[str], scope_order: list[str], nodes: dict[str, Node],
                 types: dict[str, tuple[TensorType, ...]], scopes: dict[str, Scope]) -> Template | None:
        inner = [nodes[node_order[i]] for i in self.nodes]
        return record(self.scope, self.inputs, inner, [types[node.name] for node in inner],
                      [scopes[scope_order[i]] for i in self.scopes], self.names, self.outputs)


def record(scope: str, inputs: tuple[Ref, ...], nodes: list[Node], types: list[tuple[TensorType, ...]],
           scopes: list[Scope], names: dict[str, Value], outputs: dict[str, Ref]) -> Template | None:
    """A template of the instance just expanded, or None when it reads a tensor other than its
    inputs (another output port of an input node), whose type the instance key does not cover."""
    template = Template(scope, inputs, tuple(nodes), tuple(types), tuple(scopes), names, outputs)
    inside = f"{scope}."
    bound = set(inputs)

    def closed(ref: Ref) -> bool:
        return ref in bound or ref.node.startswith(inside)

    def closed_value(value: Value) -> bool:
        if isinstance(value, Ref):
            return closed(value)
        return all(map(closed, value.outputs.values())) and all(map(closed_value, value.names.values()))

    refs = [ref for node in nodes for ref in node.inputs]
    refs += [ref for inner in scopes for ref in (*inner.inputs, *inner.outputs)]
    refs += outputs.values()
    return template if all(map(closed, refs)) and all(map(closed_value, names.values())) else None


def copy_instance(
    template: Template, scope: str, inputs: tuple[Ref, ...],
    add_node: Callable[[Node, tuple[TensorType, ...]], None], add_scope: Callable[[Scope], None],
) -> tuple[dict[str, Value], dict[str, Ref]]:
    """Emit a copy of `template` named `scope` reading `inputs`; returns its names and outputs."""
    rename = Renamer(template, scope, inputs)
    for inner in template.scopes:
        add_scope(rename.scope(inner))
    prefix = f"{scope}."
    made: dict[str, Ref] = {}

    def ref_of(source: tuple[int, str, int]) -> Ref:
        index, name, port = source
        return inputs[index] if index >= 0 else made[name] if port == 0 else Ref(prefix + name, port)

    for suffix, op, attrs, sources, span, inner_scope, types in template.plan:
        refs = tuple(map(ref_of, sources))
        made[suffix] = Ref(prefix + suffix)
        add_node(Node(prefix + suffix, op, attrs, refs, span, scope if inner_scope is None else prefix + inner_scope),
                 types)
    refs = {key: ref_of(source) for key, source in template.ref_names.items()}
    names = {key: refs.get(f"names.{key}") or rename.value(value) for key, value in template.names.items()}
    return names, {key: refs[f"outputs.{key}"] for key in template.outputs}


def instance_key(block: Any, params: tuple[tuple[str, Any], ...], types: tuple[TensorType, ...],
                 inputs: tuple[Ref, ...], depth: int) -> tuple[Any, ...]:
    """Everything a block instance's expansion depends on (see the module docstring)."""
    return (id(block), params, types, same_tensor_pattern(inputs), depth)


class Templates:
    """The block instances one expansion recorded, by instance key, for copying."""

    def __init__(self, graph: GraphBuilder) -> None:
        self.graph = graph
        self.recorded: dict[tuple, Expanded | Template | None] = {}
        """Recorded block instances by everything their expansion depends on."""

    def key(self, block: Any, params: tuple, inputs: tuple[Ref, ...], depth: int) -> tuple | None:
        """The key of a block instance's expansion; None when an input failed or a param is large
        (nothing is recorded)."""
        if any(ref is POISON for ref in inputs):
            return None
        if size_upto(tuple(value for _, value in params), MEMO_ELEMENTS) > MEMO_ELEMENTS:
            return None  # a key would copy a large param per instance: expand it afresh (it is charged)
        types = tuple(self.graph.types[r.node][r.port] for r in inputs)
        return instance_key(block, tuple((k, freeze(v)) for k, v in params), types, inputs, depth)

    def find(self, key: tuple) -> Template | None:
        """The recorded instance for `key`, made into a Template on its first reuse."""
        found = self.recorded.get(key)
        if isinstance(found, Expanded):
            graph = self.graph
            found = self.recorded[key] = found.template(
                graph.node_order, graph.scope_order, graph.nodes, graph.types, graph.scopes)
        return found

    def remember(self, key: tuple, expanded: Expanded) -> None:
        """Record an error-free instance, unless its case is already recorded."""
        if key not in self.recorded:
            self.recorded[key] = expanded
