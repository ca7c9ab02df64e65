"""Expansion of a resolved spec into the graph IR, inferring shapes as it goes.

Expansion and shape inference go together because expressions may read the
shapes of tensors in scope (`input.channels`). Errors are collected per graph
item: a failed item poisons its name. Items reading a poisoned name are still
checked (keys, op, attributes, expressions), but infer no shape and emit no node;
only what needs the failed node's shape stays quiet, so independent mistakes are
all reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from archdsl.errors import ArchdslError, ErrorGroup, LimitError, ShapeError, Span, SpecError, did_you_mean
from archdsl.ir.frame import ExprEnv, Frame, Poisoned, ScopeValue, Value
from archdsl.ir.graph import Graph, Node, Output, Ref, Scope
from archdsl.ir.items import Item, parse_items, parse_outputs
from archdsl.ir.replay import Expanded, Template, copy_instance, instance_key
from archdsl.ir.types import TensorType
from archdsl.limits import DEFAULT_LIMITS, Limits
from archdsl.ops import OPS, get_op, infer_types
from archdsl.spec.expr import has_expression, resolve
from archdsl.spec.loader import Block, Source, Spec, pydantic_errors
from archdsl.spec.params import check_value
from archdsl.spec.schema import NodeBody
from archdsl.spec.validation import validate_item

NAME = re.compile(r"[A-Za-z0-9_]+")
"""A node name (use `.fullmatch`: `$` would accept a trailing newline)."""
MAX_ERRORS = 20


_Poisoned = Poisoned


POISON = Ref("<failed>")


class Expander:
    """Walks the spec's graph lists and emits IR nodes in schedule order."""

    def __init__(self, spec: Spec, params: dict[str, Any], limits: Limits) -> None:
        self.spec = spec
        self.params = params
        self.limits = limits
        self.nodes: dict[str, Node] = {}
        self.types: dict[str, tuple[TensorType, ...]] = {}
        self.scopes: dict[str, Scope] = {}
        self.errors: dict[tuple[str, str], ArchdslError] = {}
        self.item_cache: dict[int, list[Item]] = {}
        self.body_cache: dict[int, NodeBody] = {}
        self.attrs_cache: dict[tuple, Any] = {}
        self.static_attrs: dict[int, Any] = {}
        """Validated attributes of items without expressions, by the item's identity."""
        self.plain_names: set[str] = set()
        """Node names written without `${...}` that passed the name check."""
        self.spans: dict[tuple[int, tuple], Span] = {}
        self.templates: dict[tuple, Expanded | Template | None] = {}
        """Recorded block instances by everything their expansion depends on (archdsl.ir.replay)."""
        self.node_order: list[str] = []
        self.scope_order: list[str] = []
        """Names in the order they were added, so an instance's nodes are a slice."""

    # -- entry -------------------------------------------------------------------------

    def run(self, input_shapes: Mapping[str, tuple[int, ...]]) -> Graph:
        top = Frame(scope="")
        for name, decl in self.spec.inputs.items():
            self.emit_input(top, name, decl.dtype, input_shapes.get(name, decl.shape))
        top.previous = next(iter(top.names.values()))  # type: ignore[assignment]
        assert self.spec.graph_source is not None
        self.expand_items(top, self.spec.graph, self.spec.graph_source, self.params)
        outputs = self.graph_outputs(top) if not self.errors else {}
        if self.errors:
            raise ErrorGroup(list(self.errors.values())[:MAX_ERRORS])
        meta = {"description": self.spec.description, "paper": self.spec.paper, "file": self.spec.file}
        return Graph(self.spec.name, self.nodes, outputs, self.scopes, self.types, meta)

    def emit_input(self, frame: Frame, name: str, dtype: str, shape: Any) -> None:
        source = self.spec.input_sources[name]
        dims = self.evaluate(shape, self.params, frame, source)
        try:
            attrs = OPS["input"].Attrs.model_validate({"shape": dims, "dtype": dtype})
        except ValidationError:
            raise SpecError(f"input '{name}' needs a list of positive integer sizes, got {dims!r}", source.span) from None
        if any(d < 1 for d in attrs.shape):
            raise SpecError(f"input '{name}' has a size below 1: {list(attrs.shape)}", source.span)
        frame.names[name] = self.add_node(frame, name, "input", attrs, [], source)

    # -- graph lists ---------------------------------------------------------------------

    def items(self, raw: Any, source: Source) -> list[Item]:
        cached = self.item_cache.get(id(raw))
        if cached is None:
            cached = self.item_cache[id(raw)] = parse_items(raw, source)
        return cached

    def expand_items(self, frame: Frame, raw: Any, source: Source, env: dict[str, Any]) -> None:
        items = self.items(raw, source)
        frame.pending |= {item.name for item in items if item.name and "${" not in item.name}
        for item in items:
            frame.pending.discard(item.name or "")
            frame.current = item.name
            try:
                self.expand_item(frame, item, env)
            except _Poisoned:
                self.poison(frame, item)
            except ArchdslError as error:
                # an unnamed item inside a block is placed by its scope (`layer4` for a stage's repeat)
                node = frame.prefix + item.name if item.name and "${" not in item.name else frame.scope or None
                self.record(error, item.source.span, node)
                self.poison(frame, item)

    def record(self, error: ArchdslError, span: Span | None = None, node: str | None = None) -> None:
        for single in error.errors if isinstance(error, ErrorGroup) else [error]:
            single.located(span, node)
            key = (str(single.span), single.message)
            self.errors.setdefault(key, single)
        if len(self.errors) >= MAX_ERRORS:
            raise ErrorGroup(list(self.errors.values())[:MAX_ERRORS], more=True)

    def poison(self, frame: Frame, item: Item) -> None:
        if item.name and "${" not in item.name:
            frame.names[item.name] = POISON
        frame.previous = POISON

    def body(self, item: Item) -> NodeBody:
        cached = self.body_cache.get(id(item.body))
        if cached is None:
            cached = self.body_cache[id(item.body)] = validate_item(item.body, item.source.doc, item.source.path)
        return cached

    def expand_item(self, frame: Frame, item: Item, env: dict[str, Any]) -> None:
        body = self.body(item)
        name = self.local_name(item.name, env, frame, item.source)
        if not self.condition(body.when, env, frame, item.source):
            if name is not None:
                frame.names[name] = self.input_refs(frame, body, item, env)[0]
                frame.skipped[name] = item.source.at("when").span
            return
        if body.repeat is None:
            self.emit(frame, name, body, item, env, None)
            return
        count = self.count(body, env, frame, item.source)
        start = self.input_refs(frame, body, item, env)
        target = self.open_scope(frame, name, "repeat", body.block, (), item, lexical=True, inputs=start) if name else frame
        target.previous = start[0] if name else target.previous
        frame.position += name is not None  # a named repeat takes a place in the numbering, like any named node
        for index in range(count):
            looped = {**env, body.var: index}
            inputs = start if index == 0 else [target.previous]
            if body.graph is not None and body.name is None and name is None:
                self.splice(frame, body, item, looped, inputs)
            else:
                instance = self.local_name(body.name, looped, target, item.source.at("name"))
                self.emit(target, instance, body, item, looped, inputs)
        if name is not None:
            self.close_scope(frame, name, target, {"output": target.previous or start[0]})

    def splice(self, frame: Frame, body: NodeBody, item: Item, env: dict[str, Any], inputs: list[Ref]) -> None:
        """An unnamed `repeat` of a `graph:` emits its nodes straight into this scope."""
        frame.previous = inputs[0]
        self.expand_items(frame, body.graph, item.source.at("graph"), env)

    # -- one item --------------------------------------------------------------------

    def emit(
        self, frame: Frame, name: str | None, body: NodeBody, item: Item,
        env: dict[str, Any], inputs: list[Ref] | None,
    ) -> None:
        local = name if name is not None else str(frame.position)
        frame.position += 1
        refs = inputs if inputs is not None else self.input_refs(frame, body, item, env)
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
        full = frame.prefix + local
        op_name = self.evaluate(body.op, env, frame, item.source, None, "op")
        if not isinstance(op_name, str):
            raise SpecError(f"`op:` must name an op, got {op_name!r}", item.source.at("op").span, full)
        try:
            op = get_op(op_name)
        except SpecError as error:
            raise error.located(item.source.at("op").span, full) from None
        low, high = op.arity
        if not (low <= len(refs) <= (high if high is not None else len(refs))):
            wanted = f"{low}" if low == high else f"at least {low}" if high is None else f"{low}–{high}"
            arity = SpecError(f"op '{op_name}' takes {wanted} input(s), got {len(refs)}", item.source.span, full,
                              hint="list its inputs with `from: [a, b]`" if low > 1 else None)
            try:  # the attributes' own mistakes are reported with it
                self.op_attrs(op_name, body, item, env, frame, full)
            except ArchdslError as error:
                raise ErrorGroup([arity, *(error.errors if isinstance(error, ErrorGroup) else [error])]) from None
            except _Poisoned:
                pass  # an attribute read a failed node, whose error is reported where it happened
            raise arity
        attrs = self.op_attrs(op_name, body, item, env, frame, full)
        return self.add_node(frame, local, op_name, attrs, refs, item.source)

    def op_attrs(self, op_name: str, body: NodeBody, item: Item, env: dict[str, Any], frame: Frame, full: str) -> Any:
        """An op node's validated attributes. Every mistake is reported; an attribute whose
        expression failed (or read a failed node) hides no other, only its own checks."""
        attrs = self.static_attrs.get(id(item.body))
        if attrs is not None:
            return attrs
        extra = body.extra_attrs
        static = id(item.body) if not has_expression(extra) and not has_expression(body.op) else None
        raw: dict[str, Any] = {}
        failed: set[Span] = set()
        errors: list[ArchdslError] = []
        for key, value in extra.items():
            try:
                raw[key] = self.evaluate(value, env, frame, item.source, full, key)
            except _Poisoned:
                failed.add(item.source.at(key).span)
            except ArchdslError as error:
                failed.add(item.source.at(key).span)
                errors.append(error)
        try:
            attrs = self.attrs(op_name, raw)
        except ValidationError as exc:
            errors += [e for e in self.attr_errors(exc, op_name, item, full) if e.span not in failed]
        if errors:
            raise ErrorGroup(errors)
        if failed:
            raise _Poisoned()
        if static is not None:
            self.static_attrs[static] = attrs
        return attrs

    def attr_errors(self, exc: ValidationError, op_name: str, item: Item, full: str) -> list[SpecError]:
        """Located errors for an op's attributes, with a 'did you mean' for unknown ones."""
        op = OPS[op_name]
        errors = pydantic_errors(exc, item.source.doc, item.source.path, op.Attrs.model_fields)
        for error in errors:
            error.node = full
            if not error.hint and error.message.startswith("unknown key '"):
                error.hint = op.attribute_hint(error.message.split("'")[1])
        return errors

    def emit_block(
        self, frame: Frame, local: str, body: NodeBody, item: Item, env: dict[str, Any], refs: list[Ref]
    ) -> ScopeValue:
        block = self.block(self.evaluate(body.block, env, frame, item.source, None, "block"), item)
        args = {key: self.evaluate(value, env, frame, item.source, None, "with", key) for key, value in body.with_.items()}
        values = self.bind_params(block, args, frame, item)
        bindings = self.bind_inputs(block, body, frame, item, env, refs)
        params = tuple((key, values[key]) for key in block.params)
        child = self.open_scope(frame, local, "block", block.name, params, item, lexical=False, inputs=refs)
        inputs = tuple(bindings.values())
        key = self.case(block, params, inputs, child.depth)
        template = self.template(key) if key is not None else None
        if template is not None and len(self.nodes) + len(self.scopes) + template.size < self.limits.graph_nodes:
            names, outputs = copy_instance(template, child.scope, inputs, self.put_node, self.put_scope)
            child.names.update(names)
        else:
            marks = len(self.node_order), len(self.scope_order), len(self.errors)
            child.names.update(bindings)
            child.previous = next(iter(bindings.values()))
            self.expand_items(child, block.decl.graph, block.source.at("graph"), values)
            outputs = self.scope_outputs(child, block.decl.outputs, block.source.at("outputs"))
            if key is not None and key not in self.templates and len(self.errors) == marks[2]:
                self.templates[key] = Expanded(child.scope, inputs, child.names, outputs,
                                               range(marks[0], len(self.node_order)),
                                               range(marks[1], len(self.scope_order)))
        return self.close_scope(frame, local, child, outputs, register=False)

    def case(self, block: Block, params: tuple, inputs: tuple[Ref, ...], depth: int) -> tuple | None:
        """The key of a block instance's expansion; None when an input failed (nothing is recorded)."""
        if any(ref is POISON for ref in inputs):
            return None
        types = tuple(self.types[r.node][r.port] for r in inputs)
        return instance_key(block, tuple((k, _freeze(v)) for k, v in params), types, inputs, depth)

    def template(self, key: tuple) -> Template | None:
        """The recorded instance for `key`, made into a Template on its first reuse."""
        found = self.templates.get(key)
        if isinstance(found, Expanded):
            found = self.templates[key] = found.template(
                self.node_order, self.scope_order, self.nodes, self.types, self.scopes)
        return found

    def put_node(self, node: Node, types: tuple[TensorType, ...]) -> None:
        self.nodes[node.name] = node
        self.types[node.name] = types
        self.node_order.append(node.name)

    def put_scope(self, scope: Scope) -> None:
        self.scopes[scope.name] = scope
        self.scope_order.append(scope.name)

    def emit_graph(
        self, frame: Frame, local: str, body: NodeBody, item: Item, env: dict[str, Any], refs: list[Ref]
    ) -> ScopeValue:
        if len(refs) != 1:
            raise SpecError("an inline `graph:` takes one input (named `input` inside)", item.source.span)
        child = self.open_scope(frame, local, "graph", None, (), item, lexical=True, inputs=refs)
        child.names["input"] = refs[0]
        child.previous = refs[0]
        self.expand_items(child, body.graph, item.source.at("graph"), env)
        outputs = self.scope_outputs(child, body.outputs, item.source.at("outputs"))
        return self.close_scope(frame, local, child, outputs, register=False)

    def attrs(self, op_name: str, raw: dict[str, Any]) -> Any:
        """Validated attributes; identical ones (repeated blocks) are validated once."""
        key = (op_name, _freeze(raw))
        cached = self.attrs_cache.get(key)
        if cached is None:
            cached = self.attrs_cache[key] = OPS[op_name].Attrs.model_validate(raw)
        return cached

    # -- scopes ------------------------------------------------------------------------

    def open_scope(
        self, frame: Frame, local: str, kind: str, block: str | None, params: tuple,
        item: Item, lexical: bool, inputs: list[Ref],
    ) -> Frame:
        full = frame.prefix + local
        self.claim(full, item.source)
        child = frame.child(full, lexical)
        if child.depth > self.limits.block_depth:
            raise LimitError(
                f"blocks nest deeper than the limit of {self.limits.block_depth} (recursive block?)",
                item.source.span, full, hint="check the `when:` that should end the recursion",
            )
        self.put_scope(Scope(full, kind, block, params, self.span_of(item.source), frame.scope, tuple(inputs)))
        return child

    def close_scope(
        self, frame: Frame, local: str, child: Frame, outputs: dict[str, Ref], register: bool = True
    ) -> ScopeValue:
        value = ScopeValue(child.scope, outputs, child.names)
        opened = self.scopes[child.scope]
        self.scopes[child.scope] = opened._replace(outputs=tuple(outputs.values()))
        if register:
            frame.names[local] = value
            frame.previous = value.default
        return value

    def scope_outputs(self, child: Frame, raw: Any, source: Source) -> dict[str, Ref]:
        if raw is None:
            if child.previous is None or child.previous is POISON:
                raise _Poisoned()
            return {"output": child.previous}
        outputs: dict[str, Ref] = {}
        for out in parse_outputs(raw, source):
            if out.train_only:
                raise SpecError("`train_only` is for the spec's own outputs, not a block's", out.source.span)
            outputs[out.name] = self.ref(child, out.ref, out.source)
        return outputs

    def graph_outputs(self, top: Frame) -> dict[str, Output]:
        raw, source = self.spec.outputs, self.spec.outputs_source
        if raw is None or source is None:
            assert top.previous is not None
            last = self.nodes[top.previous.node]
            return {"output": Output("output", top.previous, False, last.span)}
        outputs = {
            out.name: Output(out.name, self.ref(top, out.ref, out.source), out.train_only, out.source.span)
            for out in parse_outputs(raw, source)
        }
        if all(out.train_only for out in outputs.values()):
            raise SpecError("every output is train_only; inference would compute nothing", source.span)
        return outputs

    # -- references and inputs ---------------------------------------------------------

    def input_refs(self, frame: Frame, body: NodeBody, item: Item, env: dict[str, Any]) -> list[Ref]:
        raw = body.from_
        if raw is None:
            if frame.previous is None:
                raise SpecError("nothing precedes this node; name its input with `from:`", item.source.span)
            return [frame.previous]
        source = item.source.at("from")
        if isinstance(raw, dict):
            if body.block is None:
                raise SpecError("`from:` as a mapping names block inputs; use a list for an op", source.span)
            return [self.ref(frame, self.evaluate(text, env, frame, source.at(key)), source.at(key)) for key, text in raw.items()]
        texts = [raw] if isinstance(raw, str) else raw
        refs: list[Ref] = []
        for i, text in enumerate(texts):
            value = self.evaluate(text, env, frame, source.at(i))
            if isinstance(value, str) and value.endswith(".*"):
                refs.extend(self.instances(frame, value, source.at(i)))
            else:
                refs.append(self.ref(frame, value, source.at(i)))
        if not refs:
            raise SpecError("`from:` names no input: every `group.*` in it is an empty repeat", source.span)
        return refs

    def instances(self, frame: Frame, text: str, source: Source) -> list[Ref]:
        """`group.*`: the output of every instance of the named `repeat` group, in order."""
        try:
            value, _ = frame.lookup(text[:-2])
        except SpecError as error:
            raise _explain_skipped(error.located(source.span), frame, text) from None
        if value is POISON:
            raise _Poisoned()
        if not isinstance(value, ScopeValue) or self.scopes[value.name].kind != "repeat":
            error = SpecError(f"'{text}' lists the instances of a named `repeat`, and '{text[:-2]}' is not one", source.span)
            raise _explain_skipped(error, frame, text)
        return [v.default if isinstance(v, ScopeValue) else v for v in value.names.values()]

    def ref(self, frame: Frame, text: Any, source: Source) -> Ref:
        if not isinstance(text, str):
            raise SpecError(f"a reference must be a node name, got {text!r}", source.span)
        try:
            return self.resolve_ref(frame, text, source)
        except SpecError as error:
            raise _explain_skipped(error, frame, text) from None

    def resolve_ref(self, frame: Frame, text: str, source: Source) -> Ref:
        try:
            value, port = frame.lookup(text)
        except SpecError as error:
            raise error.located(source.span) from None
        if value is POISON:
            return POISON  # the item is still checked; add_node stops it
        if isinstance(value, ScopeValue):
            if port is None:
                return value.default
            if port not in value.outputs:
                raise SpecError(f"'{value.name}' has no output '{port}'", source.span,
                                hint=did_you_mean(port, value.outputs) or f"its outputs: {', '.join(value.outputs)}")
            return value.outputs[port]
        if isinstance(value, Ref) and value.port and port is not None:
            raise SpecError(f"'{text}' already names one output; it has no port '{port}'", source.span)
        return self.port(value, port, source) if port is not None else value

    def port(self, ref: Ref, port: str, source: Source) -> Ref:
        node = self.nodes[ref.node]
        names = OPS[node.op].output_names(node.attrs)
        if port.isascii() and port.isdigit() and int(port) < len(names):
            return Ref(ref.node, int(port))
        if port in names:
            return Ref(ref.node, names.index(port))
        raise SpecError(f"'{ref.node}' ({node.op}) has no output '{port}'", source.span,
                        hint=f"its outputs: {', '.join(names)} (or 0–{len(names) - 1})")

    def bind_inputs(
        self, block: Block, body: NodeBody, frame: Frame, item: Item, env: dict[str, Any], refs: list[Ref]
    ) -> dict[str, Ref]:
        names = block.decl.inputs
        if isinstance(body.from_, dict):
            missing = [n for n in names if n not in body.from_]
            extra = [n for n in body.from_ if n not in names]
            if missing or extra:
                raise SpecError(
                    f"block '{block.name}' takes inputs {names}; "
                    + (f"'{missing[0]}' is not given" if missing else f"it has no input '{extra[0]}'"),
                    item.source.at("from").span,
                )
            by_name = dict(zip(body.from_, refs, strict=True))
            return {n: by_name[n] for n in names}
        if len(refs) != len(names):
            raise SpecError(
                f"block '{block.name}' takes {len(names)} input(s) {names}, got {len(refs)}",
                item.source.span, hint="give them with `from: {name: node, ...}`",
            )
        return dict(zip(names, refs, strict=True))

    def block(self, name: Any, item: Item) -> Block:
        block = self.spec.blocks.get(name) if isinstance(name, str) else None
        if block is None:
            raise SpecError(f"unknown block '{name}'", item.source.at("block").span,
                            hint=did_you_mean(str(name), self.spec.blocks) or _known("blocks", self.spec.blocks))
        return block

    def bind_params(self, block: Block, args: dict[str, Any], frame: Frame, item: Item) -> dict[str, Any]:
        """The environment inside a block: top-level params, then the block's own."""
        unknown = [key for key in args if key not in block.params]
        if unknown:
            raise SpecError(f"block '{block.name}' has no param '{unknown[0]}'", item.source.at("with", unknown[0]).span,
                            hint=did_you_mean(unknown[0], block.params) or _known("params", block.params))
        values = dict(self.params)
        for name, decl in block.params.items():
            if name in args:
                value = args[name]
            elif decl.required:
                raise SpecError(f"block '{block.name}' needs param '{name}' ({decl.type})", item.source.span,
                                hint=f"pass it with `with: {{{name}: ...}}`")
            else:
                value = self.evaluate(decl.default, values, frame, block.source.at("params", name))
            try:
                values[name] = check_value(name, decl, value)
            except SpecError as error:
                where = item.source.at("with", name) if name in args else block.source.at("params", name)
                raise error.located(where.span) from None
        return values

    # -- nodes ---------------------------------------------------------------------------

    def add_node(self, frame: Frame, local: str, op_name: str, attrs: Any, refs: list[Ref], source: Source) -> Ref:
        full = frame.prefix + local
        if any(ref is POISON for ref in refs):
            raise _Poisoned()  # everything but the shape was checked; the failed input has none
        self.claim(full, source)
        inputs = tuple(self.types[r.node][r.port] for r in refs)
        try:
            outputs = infer_types(op_name, attrs, inputs)
        except ArchdslError as error:
            about = error.attr if isinstance(error, ShapeError) else None
            raise error.located((source.at(about) if about else source).span, full) from None
        self.put_node(Node(full, op_name, attrs, tuple(refs), self.span_of(source), frame.scope), outputs)
        return Ref(full)

    def span_of(self, source: Source) -> Span:
        """A source's span, looked up once per distinct source (repeated blocks share them)."""
        key = (id(source.doc), source.path)
        span = self.spans.get(key)
        if span is None:
            span = self.spans[key] = source.span
        return span

    def claim(self, full: str, source: Source) -> None:
        if full in self.nodes or full in self.scopes:
            first = self.nodes[full].span if full in self.nodes else self.scopes[full].span
            again = first == source.span  # the same item twice: a named node in an unnamed repeat's body
            raise SpecError(f"duplicate name '{full}' (first defined at {first})", source.span, full,
                            hint="a `repeat` makes this node once per pass: put the index in its name "
                                 "(e.g. \"a${i}\") or name the repeat, so each pass gets its own scope"
                            if again else "give one of them another name")
        if len(self.nodes) + len(self.scopes) >= self.limits.graph_nodes:
            raise LimitError(f"expansion makes more than {self.limits.graph_nodes} nodes", source.span, full,
                             hint="raise it with --limit graph_nodes=N if the model is genuine")

    # -- expressions -------------------------------------------------------------------

    def evaluate(
        self, value: Any, env: Mapping[str, Any], frame: Frame, source: Source, node: str | None = None, *path: str | int
    ) -> Any:
        """Resolve expressions in `value`; errors are located at `source` + `path`."""
        if not has_expression(value):
            return value
        try:
            return resolve(value, ExprEnv(env, frame, self.types), self.limits)
        except ArchdslError as error:
            raise error.located(source.at(*path).span, node) from None

    def local_name(self, raw: str | None, env: dict[str, Any], frame: Frame, source: Source) -> str | None:
        if raw is None:
            return None
        if isinstance(raw, str) and raw in self.plain_names:
            return raw
        name = self.evaluate(raw, env, frame, source)
        if not isinstance(name, (str, int)) or not NAME.fullmatch(str(name)):
            hint = "nest a named `graph:` to make a dotted name" if "." in str(name) else None
            raise SpecError(f"invalid node name {name!r}: use letters, digits and _", source.span, hint=hint)
        if name == raw and isinstance(raw, str):
            self.plain_names.add(raw)  # no expression in it, and valid: later uses skip the checks
        return str(name)

    def condition(self, raw: Any, env: dict[str, Any], frame: Frame, source: Source) -> bool:
        if raw is True:
            return True
        value = self.evaluate(raw, env, frame, source, None, "when")
        if not isinstance(value, bool):
            raise SpecError(f"`when:` must be true or false, got {value!r}", source.at("when").span)
        return value

    def count(self, body: NodeBody, env: dict[str, Any], frame: Frame, source: Source) -> int:
        value = self.evaluate(body.repeat, env, frame, source.at("repeat"))
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise SpecError(f"`repeat` must be a non-negative integer, got {value!r}", source.at("repeat").span)
        if value > self.limits.repeat:
            raise LimitError(f"`repeat: {value}` exceeds the limit of {self.limits.repeat}", source.at("repeat").span,
                             hint="raise it with --limit repeat=N if the model is genuine")
        return value


def bind_spec_params(spec: Spec, given: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """Top-level param values: defaults (which may be expressions) overridden by `given`."""
    unknown = [name for name in given if name not in spec.params]
    if unknown:
        raise SpecError(f"'{spec.name}' has no param '{unknown[0]}'",
                        hint=did_you_mean(unknown[0], spec.params) or _known("params", spec.params))
    values: dict[str, Any] = {}
    frame = Frame(scope="")
    for name, decl in spec.params.items():
        source = spec.param_sources[name]
        if name in given:
            value = given[name]
        elif decl.required:
            raise SpecError(f"'{spec.name}' needs param '{name}' ({decl.type})", source.span,
                            hint=f"give it with -p {name}=VALUE")
        else:
            try:
                value = resolve(decl.default, ExprEnv(values, frame, {}), limits)
            except ArchdslError as error:
                raise error.located(source.span) from None
        try:
            values[name] = check_value(name, decl, value)
        except SpecError as error:
            raise error.located(None if name in given else source.span) from None
    return values


def _freeze(value: Any) -> Any:
    """A hashable form that keeps types apart (True and 1 must not share a cache entry)."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(_freeze(v) for v in value))
    return (type(value).__name__, value)


def _explain_skipped(error: SpecError, frame: Frame, text: str) -> SpecError:
    """A reference through a skipped item fails as if it named that item's input: say so."""
    where = frame.skipped_at(text)
    if where is not None:
        head = text.partition(":")[0].split(".")[0]
        error.hint = f"'{head}' is skipped (its `when:` at {where} is false), so it stands for its input"
    return error


def _known(what: str, names: Mapping[str, Any]) -> str:
    return f"known {what}: {', '.join(names) or 'none'}"


def expand(
    spec: Spec,
    params: Mapping[str, Any] | None = None,
    input_shapes: Mapping[str, tuple[int, ...]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Graph:
    """Expand `spec` with its params (defaults overridden by `params`) into a Graph."""
    values = bind_spec_params(spec, dict(params or {}), limits)
    input_shapes = dict(input_shapes or {})
    if "" in input_shapes:
        if len(spec.inputs) != 1:
            raise SpecError(f"the spec has inputs {list(spec.inputs)}; name one: --input NAME=CxHxW")
        input_shapes[next(iter(spec.inputs))] = input_shapes.pop("")
    unknown = [name for name in input_shapes if name not in spec.inputs]
    if unknown:
        raise SpecError(f"the spec has no input '{unknown[0]}'", hint=_known("inputs", spec.inputs))
    try:
        return Expander(spec, values, limits).run(input_shapes)
    except RecursionError:
        raise LimitError(
            "blocks or values nest too deeply to expand", Span(spec.file, 1, 1),
            hint="lower --limit block_depth or --limit yaml_depth so deep nesting is rejected up front",
        ) from None
