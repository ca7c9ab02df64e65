"""Parameters declared but never read by any expression.

Which names an expression reads is a property of the spec's text, not of one
expansion: `${a if c else b}` references `b` even when `c` holds. So the rule
reads every `${...}` of the spec (graph lists, outputs, input shapes, param
defaults, init rules, block bodies) and collects the names in them. Inside a
block, its own params and loop variables shadow the spec's params.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from archdsl.errors import ArchdslError
from archdsl.lint.registry import Context, Hit, rule
from archdsl.spec.expr import find_expressions
from archdsl.spec.loader import Block, Spec


def strings(value: Any) -> Iterator[str]:
    """Every string in a YAML value, mapping keys included (node names may be expressions)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def names_read(value: Any) -> set[str]:
    """The names the expressions inside `value` read."""
    found: set[str] = set()
    for text in strings(value):
        if "${" not in text:
            continue
        try:
            spans = find_expressions(text)
        except ArchdslError:
            continue  # loading reports malformed expressions where they are used
        for start, end in spans:
            try:
                tree = ast.parse(text[start + 2 : end - 1].strip(), mode="eval")
            except SyntaxError:
                continue
            found |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return found


def loop_variables(value: Any) -> set[str]:
    """The `var:` names of the repeats in a graph list (the default, `i`, included)."""
    found = {"i"}
    if isinstance(value, dict):
        if isinstance(value.get("var"), str):
            found.add(value["var"])
        for item in value.values():
            found |= loop_variables(item)
    elif isinstance(value, list):
        for item in value:
            found |= loop_variables(item)
    return found


def block_reads(block: Block) -> set[str]:
    """Names read anywhere in a block's declaration."""
    return names_read([block.decl.graph, block.decl.outputs, block.decl.params])


def spec_reads(spec: Spec) -> set[str]:
    """The spec-level params read anywhere: its own graph, inputs, defaults, init rules, and
    the blocks' bodies (where a block's own params and loop variables shadow them)."""
    init = [rule.decl.model_dump(by_alias=True) for rule in spec.init]
    inputs = [decl.shape for decl in spec.inputs.values()]
    defaults = [decl.default for decl in spec.params.values()]
    found = names_read([spec.graph, spec.outputs, inputs, defaults, init])
    for block in spec.blocks.values():
        found |= block_reads(block) - set(block.params) - loop_variables(block.decl.graph)
    return found


@rule("unused-param", "a param no expression reads changes nothing, yet invites the reader to set it")
def unused_params(ctx: Context) -> Iterator[Hit]:
    spec = ctx.spec
    read = spec_reads(spec)
    for name in spec.params:
        if name not in read:
            yield Hit(f"param '{name}' is never read by an expression", f"remove it, or use it as `${{{name}}}`",
                      spec.param_sources[name].span)
    for block in spec.blocks.values():
        inside = block_reads(block)
        for name in block.params:
            if name not in inside:
                yield Hit(f"param '{name}' of block '{block.name}' is never read by an expression",
                          f"remove it from the block's `params:`, or use it as `${{{name}}}`",
                          block.source.at("params", name).span, block=block.name)
