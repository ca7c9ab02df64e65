"""Blocks as ONNX local functions (`functions=True`): one FunctionProto per block kind,
called once per instance.

A block instance's body is emitted like a graph, with names relative to the
instance (`conv1`, `conv1.weight`); its weights become function inputs after
its data inputs, so instances differing only in weights share a function.
Instances of one kind whose bodies differ only in attribute values (a stride, a
reshape's shape) share it too: those attributes become function attributes,
set per call. Bodies that differ in structure (a bottleneck with or without its
downsample branch) get numbered variants: `bottleneck`, `bottleneck_2`. Nested
blocks are calls inside their parent's body, so the hierarchy shows in Netron.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from onnx import AttributeProto, FunctionProto, NodeProto, helper

from archdsl.backends.onnx.builder import Builder
from archdsl.ir.graph import Graph, Ref

FUNCTION_DOMAIN = "archdsl"
"""The domain of the local functions that blocks become with `functions=True`."""


@dataclass
class Instance:
    """One block instance: its members in schedule order and its boundary."""

    name: str
    kind: str
    members: list[str] = field(default_factory=list)
    """Node names and nested block-instance names, in schedule order."""
    inputs: list[Ref] = field(default_factory=list)
    outputs: list[Ref] = field(default_factory=list)
    weights: list[tuple[str, str]] = field(default_factory=list)
    """(node, tensor) of every weight the body reads, nested calls' included, in formal-input order."""
    body: FunctionProto | None = None
    function: str = ""
    attributes: list[AttributeProto] = field(default_factory=list)


class Layout:
    """Which block instance owns each node and nested instance; boundaries from the IR."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        blocks = {s.name: s for s in graph.scopes.values() if s.kind == "block" and s.block}
        self.instances = {name: Instance(name, str(s.block)) for name, s in blocks.items()}
        self.top: list[str] = []
        self.subtree: dict[str, list[str]] = {name: [] for name in blocks}
        order = {name: i for i, name in enumerate(graph.nodes)}
        placed: set[str] = set()
        for node in graph:
            chain = self._blocks_of(node.scope)
            for block in chain:
                self.subtree[block].append(node.name)
            self._place(node.name, chain, placed)
        self._boundaries(order)

    def _blocks_of(self, scope: str) -> list[str]:
        """The block instances enclosing `scope`, innermost first."""
        found = []
        while scope:
            if scope in self.instances:
                found.append(scope)
            scope = self.graph.scopes[scope].parent
        return found

    def _place(self, node: str, chain: list[str], placed: set[str]) -> None:
        """Append the node to its innermost block, and each newly met block to its parent."""
        members = [node, *chain]
        for child, owner in zip(members, chain + [""], strict=True):
            if child in placed and child != node:
                return
            placed.add(child)
            (self.instances[owner].members if owner else self.top).append(child)

    def _boundaries(self, order: dict[str, int]) -> None:
        outputs = {o.ref for o in self.graph.outputs.values()}
        for name, instance in self.instances.items():
            inside = set(self.subtree[name])
            for node in self.subtree[name]:
                for ref in self.graph.nodes[node].inputs:
                    if ref.node not in inside and ref not in instance.inputs:
                        instance.inputs.append(ref)
            read_outside = {ref for n in self.graph if n.name not in inside for ref in n.inputs if ref.node in inside}
            produced = sorted(read_outside | {ref for ref in outputs if ref.node in inside},
                              key=lambda ref: (order[ref.node], ref.port))
            instance.outputs = produced

    def height(self, name: str) -> int:
        nested = [m for m in self.instances[name].members if m in self.instances]
        return 1 + max((self.height(m) for m in nested), default=0)


def build_with_functions(builder: Builder) -> list[FunctionProto]:
    """Fill the main builder with plain nodes and block calls; the FunctionProtos, in definition order."""
    layout = Layout(builder.graph)
    functions: list[FunctionProto] = []
    variants: dict[str, list[bytes]] = {}
    by_height: dict[int, list[str]] = {}
    for name in layout.instances:
        by_height.setdefault(layout.height(name), []).append(name)
    for height in sorted(by_height):
        for name in by_height[height]:
            _body(layout, builder, layout.instances[name])
        functions += _define(layout, by_height[height], variants)
    for member in layout.top:
        _member(layout, builder, member)
    return functions


def _member(layout: Layout, builder: Builder, member: str) -> None:
    instance = layout.instances.get(member)
    if instance is None:
        builder.emit(layout.graph.nodes[member])
    else:
        builder.add(_call(builder, instance))


def _call(builder: Builder, instance: Instance) -> NodeProto:
    inputs = [builder.value(ref) for ref in instance.inputs]
    inputs += [builder.weight(builder.graph.nodes[node], tensor) for node, tensor in instance.weights]
    outputs = [builder.port_name(ref) for ref in instance.outputs]
    node = helper.make_node(instance.function, inputs, outputs, name=builder.local(instance.name), domain=FUNCTION_DOMAIN)
    node.attribute.extend(instance.attributes)
    return node


def _body(layout: Layout, parent: Builder, instance: Instance) -> None:
    """Emit the instance's body into a FunctionProto (named later, when variants are known)."""
    body = Builder(parent.graph, parent.opset, prefix=f"{instance.name}.")
    formal = ["input"] if len(instance.inputs) == 1 else [f"input_{i}" for i in range(len(instance.inputs))]
    body.bound = dict(zip(instance.inputs, formal, strict=True))
    for member in instance.members:
        _member(layout, body, member)
    instance.weights = list(body.weights.values())
    outputs = [body.value(ref) for ref in instance.outputs]
    imports = [helper.make_opsetid("", parent.opset)]
    if any(n.domain == FUNCTION_DOMAIN for n in body.nodes):
        imports.append(helper.make_opsetid(FUNCTION_DOMAIN, 1))
    instance.body = helper.make_function(FUNCTION_DOMAIN, instance.kind, formal + list(body.weights), outputs,
                                         body.nodes, imports)


def _define(layout: Layout, names: list[str], variants: dict[str, list[bytes]]) -> list[FunctionProto]:
    """Group same-kind, same-structure bodies; one parametrised FunctionProto per group."""
    groups: dict[tuple[str, bytes], list[Instance]] = {}
    for name in names:
        instance = layout.instances[name]
        groups.setdefault((instance.kind, _structure(instance.body)), []).append(instance)
    defined = []
    for (kind, key), members in groups.items():
        known = variants.setdefault(kind, [])
        known.append(key)
        function = kind if len(known) == 1 else f"{kind}_{len(known)}"
        defined.append(_parametrise(function, members))
    return defined


def _structure(body: FunctionProto | None) -> bytes:
    """The body with attribute values blanked out: equal for bodies that differ only in them."""
    assert body is not None
    bare = FunctionProto()
    bare.CopyFrom(body)
    for node in bare.node:
        for attribute in node.attribute:
            kept = AttributeProto(name=attribute.name, type=attribute.type)
            attribute.CopyFrom(kept)
    return bare.SerializeToString(deterministic=True)


def _parametrise(function: str, members: list[Instance]) -> FunctionProto:
    """The first member's body, with every attribute that differs among members made a reference
    to a function attribute; each member's call sets its own values."""
    bodies = [m.body for m in members]
    template = FunctionProto()
    template.CopyFrom(bodies[0])
    template.name = function
    names: list[str] = []
    for m in members:
        m.function = function
    for i, node in enumerate(template.node):
        for j, attribute in enumerate(node.attribute):
            values = [b.node[i].attribute[j] for b in bodies]  # type: ignore[union-attr]
            if all(v == values[0] for v in values):
                continue
            param = _unique(re.sub(r"[^A-Za-z0-9_]", "_", f"{node.name}_{attribute.name}"), names)
            names.append(param)
            for m, value in zip(members, values, strict=True):
                given = AttributeProto()
                given.CopyFrom(value)
                given.name = param
                m.attributes.append(given)
            node.attribute[j].CopyFrom(AttributeProto(name=attribute.name, ref_attr_name=param, type=attribute.type))
    template.attribute.extend(names)
    return template


def _unique(name: str, taken: list[str]) -> str:
    found, n = name, 1
    while found in taken:
        n += 1
        found = f"{name}_{n}"
    return found

