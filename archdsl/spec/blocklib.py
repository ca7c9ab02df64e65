"""Checking a block library on its own: a file with `blocks:` and no `graph:`.

A block's shapes and param values are known only where a model uses it, so on its
own a library is checked for everything that does not depend on them: the
structure of every graph item, that each op and `block:` named without an
expression exists, and that each op's attribute keys are ones the op takes. Typos
then surface when the library is written, not when some model first uses the block.
"""

from __future__ import annotations

from typing import Any

from archdsl.errors import ArchdslError, ErrorGroup, SpecError, did_you_mean
from archdsl.ops import get_op
from archdsl.spec.expr import has_expression
from archdsl.spec.items import parse_items
from archdsl.spec.loader import Source, Spec
from archdsl.spec.validation import validate_item


def is_block_library(spec: Spec) -> bool:
    """A file of blocks for others to `use`: it has blocks and no graph."""
    return spec.graph is None and bool(spec.blocks)


def check_blocks(spec: Spec) -> None:
    """Every mistake in the library's blocks that needs no param values or shapes, together."""
    errors: list[ArchdslError] = []
    for block in spec.blocks.values():
        _check_graph(spec, block.decl.graph, block.source.at("graph"), errors)
    if errors:
        raise ErrorGroup(errors)


def _check_graph(spec: Spec, raw: Any, source: Source, errors: list[ArchdslError]) -> None:
    try:
        items = parse_items(raw, source)
    except ArchdslError as error:
        errors.append(error)
        return
    for item in items:
        try:
            body = validate_item(item.body, item.source.doc, item.source.path)
        except ArchdslError as error:
            errors.extend(error.errors if isinstance(error, ErrorGroup) else [error])
            continue
        if body.op is not None and not has_expression(body.op):
            _check_op(body.op, body.extra_attrs, item.source, errors)
        if body.block is not None and not has_expression(body.block) and body.block not in spec.blocks:
            errors.append(SpecError(f"unknown block '{body.block}'", item.source.at("block").span,
                                    hint=did_you_mean(body.block, spec.blocks) or f"known blocks: {', '.join(spec.blocks)}"))
        if body.graph is not None:
            _check_graph(spec, body.graph, item.source.at("graph"), errors)


def _check_op(name: str, attrs: dict[str, Any], source: Source, errors: list[ArchdslError]) -> None:
    try:
        op = get_op(name)
    except SpecError as error:
        errors.append(error.located(source.at("op").span))
        return
    for key in attrs:
        if key not in op.Attrs.model_fields:
            errors.append(SpecError(f"unknown key '{key}'", source.at(key).span, hint=op.attribute_hint(key)))
