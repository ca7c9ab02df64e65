"""Collecting the ONNX nodes of one graph or function body, with the spec's names.

Value names: port 0 of IR node `layer1.0.conv1` is `layer1.0.conv1`, port k is
`<node>:<port name>` (`lstm:h_n`); a rule's intermediate values are
`<node>/<suffix>`; parameters are `<node>.<tensor>` (`layer1.0.conv1.weight`),
as in the torch state_dict. Inside a function body names are relative to the
block instance (`conv1`, `conv1.weight`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import numpy as np
from onnx import AttributeProto, NodeProto, helper, numpy_helper

from archdsl.backends.onnx.rules import emitter_for
from archdsl.errors import BackendError
from archdsl.ir.graph import Graph, Node, Ref
from archdsl.ops import OPS, Weight


def port_name(graph: Graph, ref: Ref, renamed: dict[Ref, str]) -> str:
    """The value name of an IR node's output port: the node's name for port 0,
    `<node>:<port name>` for the others, unless `renamed` (graph outputs) says otherwise."""
    if ref in renamed:
        return renamed[ref]
    if ref.port == 0:
        return ref.node
    node = graph.nodes[ref.node]
    return f"{ref.node}:{OPS[node.op].output_names(node.attrs)[ref.port]}"


def _ints(name: str, values: Sequence[Any]) -> AttributeProto:
    if values and all(type(v) is int for v in values):
        return AttributeProto(name=name, type=AttributeProto.INTS, ints=values)
    return helper.make_attribute(name, values)


ATTRIBUTES: dict[type, Callable[[str, Any], AttributeProto]] = {
    int: lambda name, value: AttributeProto(name=name, type=AttributeProto.INT, i=value),
    float: lambda name, value: AttributeProto(name=name, type=AttributeProto.FLOAT, f=value),
    str: lambda name, value: AttributeProto(name=name, type=AttributeProto.STRING, s=value.encode()),
    list: _ints,
    tuple: _ints,
}
"""The attribute values rules give most (int lists, ints), made as `onnx.helper.make_attribute`
makes them, without its checks against abstract number types (about a sixth of emission
time); any other value goes through it."""


def make_node(op_type: str, inputs: Sequence[str], outputs: Sequence[str], name: str,
              attributes: dict[str, Any]) -> NodeProto:
    """`onnx.helper.make_node(op_type, inputs, outputs, name=name, **attributes)`, faster."""
    node = NodeProto(op_type=op_type, input=inputs, output=outputs)
    if name:
        node.name = name
    for key, value in sorted(attributes.items()):
        if value is not None:
            node.attribute.append(ATTRIBUTES.get(type(value), helper.make_attribute)(key, value))
    return node


class Builder:
    """The ONNX nodes of one graph (or function body), in schedule order."""

    def __init__(self, graph: Graph, opset: int, prefix: str = "", names: dict[Ref, str] | None = None) -> None:
        self.graph = graph
        self.opset = opset
        self.prefix = prefix
        """Stripped from every name: a function body's names are relative to its block instance."""
        self.names = names or {}
        """Port values named otherwise than by default (graph outputs take the output's name)."""
        self.nodes: list[NodeProto] = []
        self.aliases: dict[Ref, str] = {}
        self.weights: dict[str, tuple[str, str]] = {}
        """Value name → (node, tensor) of every weight read, in first-use order."""
        self.bound: dict[Ref, str] = {}
        """Values given from outside (a function body's formal inputs)."""
        self.inputs: list[str] = []
        """IR nodes declared graph inputs, in order."""

    def local(self, name: str) -> str:
        return name[len(self.prefix):] if self.prefix and name.startswith(self.prefix) else name

    def port_name(self, ref: Ref) -> str:
        """The value name of one output port of an IR node."""
        return self.local(port_name(self.graph, ref, self.names))

    def value(self, ref: Ref) -> str:
        """The value name that holds `ref` (an alias when a rule returned its input)."""
        return self.bound.get(ref) or self.aliases.get(ref) or self.port_name(ref)

    def weight(self, node: Node, name: str) -> str:
        value = self.local(f"{node.name}.{name}")
        self.weights.setdefault(value, (node.name, name))
        return value

    def emit(self, node: Node) -> None:
        """Lower one IR node through its rule."""
        site = SiteImpl(self, node)
        try:
            results = list(emitter_for(node).rule(site, [self.value(ref) for ref in node.inputs]))
        except BackendError as error:
            raise error.located(node.span, node.name) from None
        if len(results) != len(site.outputs):
            raise BackendError(f"the ONNX rule of '{node.op}' returned {len(results)} values for "
                               f"{len(site.outputs)} outputs", node.span, node.name)
        self.nodes.extend(site.finish(results))

    def add(self, proto: NodeProto) -> None:
        self.nodes.append(proto)


class SiteImpl:
    """The `Site` a rule receives for one node (see archdsl.backends.onnx.table.Site)."""

    def __init__(self, builder: Builder, node: Node) -> None:
        self.builder = builder
        self.node = node
        self.inputs = builder.graph.input_types(node)
        self.outputs = list(builder.graph.types[node.name])
        self.opset = builder.opset
        self.created: list[NodeProto] = []
        self.counts: Counter[str] = Counter()
        self.base = builder.local(node.name)

    @property
    def attrs(self) -> Any:
        return self.node.attrs

    def fresh(self, suffix: str) -> str:
        self.counts[suffix] += 1
        count = self.counts[suffix]
        return f"{self.base}/{suffix}" if count == 1 else f"{self.base}/{suffix}_{count}"

    def op(self, op_type: str, *inputs: str, suffix: str = "", outputs: int = 1, **attributes: Any) -> Any:
        name = self.fresh(suffix or op_type)
        values = [name] if outputs == 1 else [f"{name}:{i}" for i in range(outputs)]
        self.created.append(make_node(op_type, inputs, values, name, attributes))
        return values[0] if outputs == 1 else values

    def const(self, value: np.ndarray, suffix: str = "") -> str:
        name = self.fresh(suffix or "const")
        tensor = numpy_helper.from_array(np.asarray(value, order="C"), name)
        self.created.append(helper.make_node("Constant", [], [name], name=name, value=tensor))
        return name

    def weight(self, name: str) -> str:
        if not self.has_weight(name):
            raise BackendError(f"'{self.node.name}' has no tensor '{name}'", self.node.span, self.node.name)
        return self.builder.weight(self.node, name)

    def has_weight(self, name: str) -> bool:
        return name in self.declared

    @cached_property
    def declared(self) -> dict[str, Weight]:
        """The node's tensors by name (worked out once: a rule asks for each of them)."""
        return OPS[self.node.op].weights(self.node.attrs, self.inputs)

    def graph_input(self) -> str:
        self.builder.inputs.append(self.node.name)
        return self.builder.port_name(Ref(self.node.name))

    def finish(self, results: Sequence[str]) -> list[NodeProto]:
        """Give each port's value its name and the port-0 node the IR node's name."""
        producers = {value: proto for proto in self.created for value in proto.output}
        rename: dict[str, str] = {}
        for port, value in enumerate(results):
            ref = Ref(self.node.name, port)
            proto = producers.get(value)
            if proto is None or value in rename:
                self.builder.aliases[ref] = rename.get(value, value)
                continue
            rename[value] = self.builder.port_name(ref)
            if port == 0:
                proto.name = self.base
        _rename(self.created, rename.get)
        return self.created


def _rename(nodes: list[NodeProto], new: Callable[[str], str | None]) -> None:
    for proto in nodes:
        for field in (proto.input, proto.output):
            for i, value in enumerate(field):
                field[i] = new(value) or value
