"""References during expansion: what a `from:`, a block's inputs or an `outputs:` entry names."""

from __future__ import annotations

from typing import Any

from archdsl.errors import SpecError, did_you_mean
from archdsl.expansion.builder import GraphBuilder
from archdsl.expansion.evaluation import Evaluator
from archdsl.expansion.frame import POISON, Frame, Poisoned, ScopeValue
from archdsl.ir.graph import Output, Ref
from archdsl.ops import OPS
from archdsl.spec.items import Item, parse_outputs
from archdsl.spec.loader import Block, Source
from archdsl.spec.schema import NodeBody


class References:
    """Resolves names to the tensors they stand for, in a frame of the graph being built."""

    def __init__(self, graph: GraphBuilder, values: Evaluator) -> None:
        self.graph = graph
        self.values = values

    def input_refs(self, frame: Frame, body: NodeBody, item: Item, env: dict[str, Any]) -> list[Ref]:
        """An item's inputs: its `from:`, else the node before it."""
        raw = body.from_
        if raw is None:
            if frame.previous is None:
                raise SpecError("nothing precedes this node; name its input with `from:`", item.source.span)
            return [frame.previous]
        source = item.source.at("from")
        evaluate = self.values.evaluate
        if isinstance(raw, dict):
            if body.block is None:
                raise SpecError("`from:` as a mapping names block inputs; use a list for an op", source.span)
            return [self.ref(frame, evaluate(text, env, frame, source.at(key)), source.at(key)) for key, text in raw.items()]
        texts = [raw] if isinstance(raw, str) else raw
        refs: list[Ref] = []
        for i, text in enumerate(texts):
            value = evaluate(text, env, frame, source.at(i))
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
            raise frame.explain_skipped(error.located(source.span), text) from None
        if value is POISON:
            raise Poisoned()
        if not isinstance(value, ScopeValue) or self.graph.scopes[value.name].kind != "repeat":
            error = SpecError(f"'{text}' lists the instances of a named `repeat`, and '{text[:-2]}' is not one", source.span)
            raise frame.explain_skipped(error, text)
        return [v.default if isinstance(v, ScopeValue) else v for v in value.names.values()]

    def ref(self, frame: Frame, text: Any, source: Source) -> Ref:
        """The tensor `text` (`name`, `name.inner`, `name:port`) names in `frame`."""
        if not isinstance(text, str):
            raise SpecError(f"a reference must be a node name, got {text!r}", source.span)
        try:
            return self.resolve_ref(frame, text, source)
        except SpecError as error:
            raise frame.explain_skipped(error, text) from None

    def resolve_ref(self, frame: Frame, text: str, source: Source) -> Ref:
        """`ref` without the note on skipped items."""
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
        """Output `port` (a name or an index) of the node `ref` names."""
        node = self.graph.nodes[ref.node]
        names = OPS[node.op].output_names(node.attrs)
        if port.isascii() and port.isdigit() and int(port) < len(names):
            return Ref(ref.node, int(port))
        if port in names:
            return Ref(ref.node, names.index(port))
        raise SpecError(f"'{ref.node}' ({node.op}) has no output '{port}'", source.span,
                        hint=f"its outputs: {', '.join(names)} (or 0–{len(names) - 1})")

    def bind_inputs(self, block: Block, body: NodeBody, item: Item, refs: list[Ref]) -> dict[str, Ref]:
        """A block instance's inputs by the block's input names."""
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

    def scope_outputs(self, child: Frame, raw: Any, source: Source) -> dict[str, Ref]:
        """A block's or sub-graph's outputs: its `outputs:`, else its last node."""
        if raw is None:
            if child.previous is None or child.previous is POISON:
                raise Poisoned()
            return {"output": child.previous}
        outputs: dict[str, Ref] = {}
        for out in parse_outputs(raw, source):
            if out.train_only:
                raise SpecError("`train_only` is for the spec's own outputs, not a block's", out.source.span)
            outputs[out.name] = self.ref(child, out.ref, out.source)
        return outputs

    def graph_outputs(self, top: Frame, raw: Any, source: Source | None) -> dict[str, Output]:
        """The spec's outputs: its `outputs:`, else its last node."""
        if raw is None or source is None:
            assert top.previous is not None
            last = self.graph.nodes[top.previous.node]
            return {"output": Output("output", top.previous, False, last.span)}
        outputs = {
            out.name: Output(out.name, self.ref(top, out.ref, out.source), out.train_only, out.source.span)
            for out in parse_outputs(raw, source)
        }
        if all(out.train_only for out in outputs.values()):
            raise SpecError("every output is train_only; inference would compute nothing", source.span)
        return outputs
