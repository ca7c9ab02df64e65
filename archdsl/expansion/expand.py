"""Expansion of a resolved spec into the graph IR, inferring shapes as it goes.

Expansion and shape inference go together because expressions may read the
shapes of tensors in scope (`input.channels`). Errors are collected per graph
item: a failed item poisons its name. Items reading a poisoned name are still
checked (keys, op, attributes, expressions), but infer no shape and emit no node;
only what needs the failed node's shape stays quiet, so independent mistakes are
all reported at once.

This module walks the graph lists; the jobs it hands out live beside it: evaluating spec
values (evaluation), the growing graph (builder), references (references), an op node's
attributes (attributes), params (params), copying repeated block instances (replay) and
the errors collected (errorlog).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from archdsl.errors import ArchdslError, LimitError, Span, SpecError, did_you_mean
from archdsl.expansion.attributes import AttributeBinder
from archdsl.expansion.builder import GraphBuilder
from archdsl.expansion.errorlog import ErrorLog
from archdsl.expansion.evaluation import Evaluator
from archdsl.expansion.frame import Frame, Poisoned, ScopeValue, Value
from archdsl.expansion.params import BlockParams, SpecParams, bind_params, known
from archdsl.expansion.references import References
from archdsl.expansion.replay import Expanded, Templates, copy_instance
from archdsl.ir.graph import Graph, Ref
from archdsl.limits import DEFAULT_LIMITS, Budget, Limits
from archdsl.ops import OPS
from archdsl.spec.items import Item, parse_items
from archdsl.spec.loader import Block, Source, Spec
from archdsl.spec.schema import NodeBody
from archdsl.spec.validation import validate_item


class Expander:
    """Walks the spec's graph lists and emits IR nodes in schedule order."""

    def __init__(self, spec: Spec, params: dict[str, Any], limits: Limits, budget: Budget | None = None) -> None:
        self.spec = spec
        self.params = params
        self.limits = limits
        self.graph = GraphBuilder(limits)
        self.values = Evaluator(limits, budget if budget is not None else Budget(limits), self.graph.types)
        self.refs = References(self.graph, self.values)
        self.attributes = AttributeBinder(self.values)
        self.templates = Templates(self.graph)
        self.errors = ErrorLog()
        self.item_cache: dict[int, list[Item]] = {}
        self.body_cache: dict[int, NodeBody] = {}

    # -- entry -------------------------------------------------------------------------

    def run(self, input_shapes: Mapping[str, tuple[int, ...]]) -> Graph:
        """The whole spec expanded: its inputs, then its graph list; every error found, or the Graph."""
        top = Frame(scope="")
        for name, decl in self.spec.inputs.items():
            self.emit_input(top, name, decl.dtype, input_shapes.get(name, decl.shape))
        top.previous = next(iter(top.names.values()))  # type: ignore[assignment]
        assert self.spec.graph_source is not None
        self.expand_items(top, self.spec.graph, self.spec.graph_source, self.params)
        outputs = self.refs.graph_outputs(top, self.spec.outputs, self.spec.outputs_source) if not self.errors else {}
        if self.errors:
            raise self.errors.group()
        meta = {"description": self.spec.description, "paper": self.spec.paper, "file": self.spec.file}
        graph = self.graph
        return Graph(self.spec.name, graph.nodes, outputs, graph.scopes, graph.types, meta)

    def emit_input(self, frame: Frame, name: str, dtype: str, shape: Any) -> None:
        """One of the spec's `inputs:`, as an input node."""
        source = self.spec.input_sources[name]
        dims = self.values.evaluate(shape, self.params, frame, source)
        try:
            attrs = OPS["input"].Attrs.model_validate({"shape": dims, "dtype": dtype})
        except ValidationError:
            raise SpecError(f"input '{name}' needs a list of positive integer sizes, got {dims!r}", source.span) from None
        if any(d < 1 for d in attrs.shape):
            raise SpecError(f"input '{name}' has a size below 1: {list(attrs.shape)}", source.span)
        frame.names[name] = self.graph.add_node(frame, name, "input", attrs, [], source)

    # -- graph lists ---------------------------------------------------------------------

    def items(self, raw: Any, source: Source) -> list[Item]:
        """A graph list's items, parsed once per list (a block's list serves every instance)."""
        cached = self.item_cache.get(id(raw))
        if cached is None:
            cached = self.item_cache[id(raw)] = parse_items(raw, source)
        return cached

    def expand_items(self, frame: Frame, raw: Any, source: Source, env: dict[str, Any]) -> None:
        """Every item of a graph list into `frame`; a failed item is recorded and poisons its name."""
        items = self.items(raw, source)
        frame.pending |= {item.name for item in items if item.name and "${" not in item.name}
        for item in items:
            frame.pending.discard(item.name or "")
            frame.current = item.name
            try:
                self.expand_item(frame, item, env)
            except Poisoned:
                frame.poison(item.name)
            except ArchdslError as error:
                # an unnamed item inside a block is placed by its scope (`layer4` for a stage's repeat)
                node = frame.prefix + item.name if item.name and "${" not in item.name else frame.scope or None
                self.errors.record(error, item.source.span, node)
                frame.poison(item.name)

    def body(self, item: Item) -> NodeBody:
        """An item's validated keys, once per item."""
        cached = self.body_cache.get(id(item.body))
        if cached is None:
            cached = self.body_cache[id(item.body)] = validate_item(item.body, item.source.doc, item.source.path)
        return cached

    def expand_item(self, frame: Frame, item: Item, env: dict[str, Any]) -> None:
        """One item: skipped by its `when:`, emitted once, or emitted per pass of its `repeat:`."""
        body = self.body(item)
        name = self.values.local_name(item.name, env, frame, item.source)
        if not self.values.condition(body.when, env, frame, item.source):
            if name is not None:
                frame.names[name] = self.refs.input_refs(frame, body, item, env)[0]
                frame.skipped[name] = item.source.at("when").span
            return
        if body.repeat is None:
            self.emit(frame, name, body, item, env, None)
            return
        count = self.values.count(body, env, frame, item.source)
        start = self.refs.input_refs(frame, body, item, env)
        target = (self.graph.open_scope(frame, name, "repeat", body.block, (), item.source, lexical=True, inputs=start)
                  if name else frame)
        target.previous = start[0] if name else target.previous
        frame.position += name is not None  # a named repeat takes a place in the numbering, like any named node
        for index in range(count):
            looped = {**env, body.var: index}
            inputs = start if index == 0 else [target.previous]
            if body.graph is not None and body.name is None and name is None:
                self.splice(frame, body, item, looped, inputs)
            else:
                instance = self.values.local_name(body.name, looped, target, item.source.at("name"))
                self.emit(target, instance, body, item, looped, inputs)
        if name is not None:
            self.graph.close_scope(frame, name, target, {"output": target.previous or start[0]})

    def splice(self, frame: Frame, body: NodeBody, item: Item, env: dict[str, Any], inputs: list[Ref]) -> None:
        """An unnamed `repeat` of a `graph:` emits its nodes straight into this scope."""
        frame.previous = inputs[0]
        self.expand_items(frame, body.graph, item.source.at("graph"), env)

    # -- one item --------------------------------------------------------------------

    def emit(
        self, frame: Frame, name: str | None, body: NodeBody, item: Item,
        env: dict[str, Any], inputs: list[Ref] | None,
    ) -> None:
        """One node, block instance or sub-graph, bound in `frame` as its latest value."""
        local = name if name is not None else str(frame.position)
        frame.position += 1
        refs = inputs if inputs is not None else self.refs.input_refs(frame, body, item, env)
        if body.op is not None:
            value: Value = self.emit_op(frame, local, body, item, env, refs)
        elif body.block is not None:
            value = self.emit_block(frame, local, body, item, env, refs)
        else:
            value = self.emit_graph(frame, local, body, item, env, refs)
        frame.names[local] = value
        frame.previous = value.default if isinstance(value, ScopeValue) else value

    def emit_op(
        self, frame: Frame, local: str, body: NodeBody, item: Item, env: dict[str, Any], refs: list[Ref]
    ) -> Ref:
        """An op node."""
        op_name, attrs = self.attributes.bind(body, item, env, frame, frame.prefix + local, len(refs))
        return self.graph.add_node(frame, local, op_name, attrs, refs, item.source)

    def emit_block(
        self, frame: Frame, local: str, body: NodeBody, item: Item, env: dict[str, Any], refs: list[Ref]
    ) -> ScopeValue:
        """A block instance: copied from a recorded instance of the same case, else expanded."""
        evaluate, graph = self.values.evaluate, self.graph
        block = self.block(evaluate(body.block, env, frame, item.source, None, "block"), item)
        args = {key: evaluate(value, env, frame, item.source, None, "with", key) for key, value in body.with_.items()}
        values = bind_params(BlockParams(block, item, frame, self.values), args, self.params)
        bindings = self.refs.bind_inputs(block, body, item, refs)
        params = tuple((key, values[key]) for key in block.params)
        child = graph.open_scope(frame, local, "block", block.name, params, item.source, lexical=False, inputs=refs)
        inputs = tuple(bindings.values())
        key = self.templates.key(block, params, inputs, child.depth)
        template = self.templates.find(key) if key is not None else None
        if template is not None and graph.size + template.size < self.limits.graph_nodes:
            names, outputs = copy_instance(template, child.scope, inputs, graph.put_node, graph.put_scope)
            child.names.update(names)
        else:
            marks = len(graph.node_order), len(graph.scope_order), len(self.errors)
            child.names.update(bindings)
            child.previous = next(iter(bindings.values()))
            self.expand_items(child, block.decl.graph, block.source.at("graph"), values)
            outputs = self.refs.scope_outputs(child, block.decl.outputs, block.source.at("outputs"))
            if key is not None and len(self.errors) == marks[2]:
                self.templates.remember(key, Expanded(child.scope, inputs, child.names, outputs,
                                                      range(marks[0], len(graph.node_order)),
                                                      range(marks[1], len(graph.scope_order))))
        return graph.close_scope(frame, local, child, outputs, register=False)

    def emit_graph(
        self, frame: Frame, local: str, body: NodeBody, item: Item, env: dict[str, Any], refs: list[Ref]
    ) -> ScopeValue:
        """An inline `graph:`, a scope that sees the names around it."""
        if len(refs) != 1:
            raise SpecError("an inline `graph:` takes one input (named `input` inside)", item.source.span)
        child = self.graph.open_scope(frame, local, "graph", None, (), item.source, lexical=True, inputs=refs)
        child.names["input"] = refs[0]
        child.previous = refs[0]
        self.expand_items(child, body.graph, item.source.at("graph"), env)
        outputs = self.refs.scope_outputs(child, body.outputs, item.source.at("outputs"))
        return self.graph.close_scope(frame, local, child, outputs, register=False)

    def block(self, name: Any, item: Item) -> Block:
        """The block `name` names."""
        block = self.spec.blocks.get(name) if isinstance(name, str) else None
        if block is None:
            raise SpecError(f"unknown block '{name}'", item.source.at("block").span,
                            hint=did_you_mean(str(name), self.spec.blocks) or known("blocks", self.spec.blocks))
        return block


def expand(
    spec: Spec,
    params: Mapping[str, Any] | None = None,
    input_shapes: Mapping[str, tuple[int, ...]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Graph:
    """Expand `spec` with its params (defaults overridden by `params`) into a Graph."""
    budget = Budget(limits)
    values = bind_params(SpecParams(spec, limits, budget), dict(params or {}), {})
    input_shapes = dict(input_shapes or {})
    if "" in input_shapes:
        if len(spec.inputs) != 1:
            raise SpecError(f"the spec has inputs {list(spec.inputs)}; name one: --input NAME=CxHxW")
        input_shapes[next(iter(spec.inputs))] = input_shapes.pop("")
    unknown = [name for name in input_shapes if name not in spec.inputs]
    if unknown:
        raise SpecError(f"the spec has no input '{unknown[0]}'", hint=known("inputs", spec.inputs))
    try:
        return Expander(spec, values, limits, budget).run(input_shapes)
    except RecursionError:
        raise LimitError(
            "blocks or values nest too deeply to expand", Span(spec.file, 1, 1),
            hint="lower --limit block_depth or --limit yaml_depth so deep nesting is rejected up front",
        ) from None
