"""Reading graph lists: each item is `name: {definition}`, `{definition}` or a bare op."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archdsl.errors import SpecError
from archdsl.spec.loader import Source, validate_model
from archdsl.spec.schema import NODE_KEYS, OutputDecl

RESERVED_NAMES = frozenset(NODE_KEYS) - {"from", "with"}
"""Node keys whose value is never a mapping: `- op: {...}` must be a naming mistake."""


@dataclass(frozen=True)
class Item:
    """One graph item: its name as written (None if anonymous) and raw definition."""

    name: str | None
    body: dict[str, Any]
    source: Source


def parse_items(raw: Any, source: Source) -> list[Item]:
    """Normalise a graph list into Items (located errors for malformed entries)."""
    if not isinstance(raw, list):
        raise SpecError("`graph:` must be a list of nodes", source.span)
    return [_parse_item(entry, source.at(index)) for index, entry in enumerate(raw)]


def _parse_item(entry: Any, source: Source) -> Item:
    if isinstance(entry, str):
        return Item(None, {"op": entry}, source)
    if isinstance(entry, dict) and len(entry) == 1:
        (key, value), = entry.items()
        if key in RESERVED_NAMES and isinstance(value, dict):
            raise SpecError(
                f"'{key}' is a reserved key and cannot name a node",
                source.at(key).span,
                hint=f"choose another name, e.g. '{key}1', or give it with `name:` as in `{{name: {key}, graph: [...]}}`",
            )
        if key not in NODE_KEYS:
            inner = source.at(key)
            if isinstance(value, str):
                return Item(key, {"op": value}, inner)
            if isinstance(value, dict):
                return Item(key, value, inner)
            raise SpecError(
                f"node '{key}' must be defined by a mapping (e.g. {{op: relu}}) or an op name",
                inner.span,
            )
    if isinstance(entry, dict) and entry:
        if "name" in entry and "repeat" not in entry:
            # `{name: block, graph: [...]}`: how a node takes a name that is also a key.
            name = entry["name"]
            if not isinstance(name, str):
                raise SpecError(f"a node name must be a string, got {name!r}", source.at("name").span)
            return Item(name, {k: v for k, v in entry.items() if k != "name"}, source)
        return Item(None, entry, source)
    raise SpecError(
        "a graph item is `name: {op: ...}`, `{op: ...}` or a bare op name like `relu`",
        source.span,
    )


@dataclass(frozen=True)
class OutputItem:
    """One entry of an `outputs:` list."""

    name: str
    ref: str
    train_only: bool
    source: Source


def parse_outputs(raw: Any, source: Source) -> list[OutputItem]:
    """`[fc]`, `[{logits: fc}]` or `[{aux1: {from: aux1.fc2, train_only: true}}]`."""
    if not isinstance(raw, list) or not raw:
        raise SpecError("`outputs:` must be a non-empty list", source.span)
    found = [_parse_output(entry, source.at(index)) for index, entry in enumerate(raw)]
    names = [item.name for item in found]
    for item in found:
        if names.count(item.name) > 1:
            raise SpecError(f"output '{item.name}' is listed twice", item.source.span)
    return found


def _parse_output(entry: Any, source: Source) -> OutputItem:
    if isinstance(entry, str):
        return OutputItem(entry, entry, False, source)
    if isinstance(entry, dict) and len(entry) == 1:
        (name, value), = entry.items()
        inner = source.at(name)
        _check_output_name(name, inner)
        if isinstance(value, str):
            return OutputItem(name, value, False, inner)
        if isinstance(value, dict):
            decl = validate_model(OutputDecl, value, inner.doc, inner.path)
            return OutputItem(name, decl.from_, decl.train_only, inner)
    raise SpecError(
        "an output is a node name, `name: node` or `name: {from: node, train_only: true}`",
        source.span,
    )


def _check_output_name(name: Any, source: Source) -> None:
    """An output name is a forward() dict key, an ONNX output and a diagram label: not empty, printable."""
    if not isinstance(name, str) or not name or not name.isprintable():
        raise SpecError(f"invalid output name {name!r}: use printable characters (no control characters)",
                        source.span, hint="e.g. `logits: fc`")
