"""The YAML event builder behind `yamlpos.load_yaml`: plain data and spans from parser events.

An explicit stack replaces recursion, and every limit is checked as the events
arrive: depth when a collection opens, the value count at every value (an alias
counts as a full copy, checked before it is copied) and the size of integer literals.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from archdsl.errors import LimitError, Span, SpecError
from archdsl.limits import Limits

Path = tuple[str | int, ...]
Mark = tuple[int, int]

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str": SafeConstructor.construct_yaml_str,
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
PARSER = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
"""libyaml's parser when PyYAML was built with it, else the pure-Python one (same events)."""
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_INT_TAG = "tag:yaml.org,2002:int"
LIMIT_HINT = "raise it with --limit {name}=N if the file is genuine"


@dataclass
class _Open:
    """A mapping or sequence whose end event has not arrived yet."""

    value: dict[str, Any] | list[Any]
    path: Path
    anchor: str | None
    first_count: int
    key: str | None = None
    height: int = 1


@dataclass(frozen=True)
class _Anchor:
    """A finished anchored value, ready to be copied wherever an alias names it."""

    value: Any
    path: Path
    size: int
    height: int


class Builder:
    """Builds plain data from parser events, recording spans and enforcing limits."""

    def __init__(self, file: str, limits: Limits) -> None:
        self.file = file
        self.limits = limits
        self.root: Any = None
        self.spans: dict[Path, Mark] = {}
        """(line, column) of every path, 1-based; Spans are made only when asked for."""
        self.aliases: dict[Path, Path] = {}
        """Where each alias was used → the path of its anchor (positions inside are the anchor's)."""
        self.stack: list[_Open] = []
        self.anchors: dict[str, _Anchor] = {}
        self.count = 0
        self.documents = 0

    def span_of(self, event: yaml.Event) -> Span:
        mark = event.start_mark
        return Span(self.file, mark.line + 1, mark.column + 1)

    def record(self, path: Path, event: yaml.Event) -> None:
        mark = event.start_mark
        self.spans.setdefault(path, (mark.line + 1, mark.column + 1))

    # -- events --------------------------------------------------------------------

    def on(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.ScalarEvent):
            self.on_scalar(event)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self.on_start(event)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            self.on_end()
        elif isinstance(event, yaml.AliasEvent):
            self.on_alias(event)
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise SpecError(
                    "a spec file holds one YAML document; this is a second one",
                    self.span_of(event),
                    hint="remove the `---` line and what follows, or split the file",
                )

    def on_scalar(self, event: yaml.ScalarEvent) -> None:
        top = self.stack[-1] if self.stack else None
        if isinstance(top, _Open) and isinstance(top.value, dict) and top.key is None:
            self.on_key(top, event)
            return
        self.grow(1, event)
        value = self.scalar(event)
        path = self.place(value, event)
        if event.anchor:
            self.anchors[event.anchor] = _Anchor(value, path, 1, 0)

    def on_key(self, top: _Open, event: yaml.ScalarEvent) -> None:
        self.grow(1, event)
        key = str(event.value)
        if event.tag not in (None, "!", "tag:yaml.org,2002:str"):
            raise self.tag_error(event)
        if key == "<<" and _key_tag(event) == _MERGE_TAG:
            raise SpecError(
                "YAML merge keys ('<<') are not supported in specs",
                self.span_of(event),
                hint="use a block, `with:` arguments or `extends:` to share definitions",
            )
        assert isinstance(top.value, dict)
        if key in top.value:
            first = self.spans.get(top.path + (key,))
            raise SpecError(
                f"duplicate key '{key}'" + (f" (first defined at {Span(self.file, *first)})" if first else ""),
                self.span_of(event),
                hint="YAML keeps only the last value of a repeated key; remove or rename one",
            )
        top.key = key
        self.record(top.path + (key,), event)
        if event.anchor:
            self.anchors[event.anchor] = _Anchor(key, top.path + (key,), 1, 0)

    def on_start(self, event: yaml.CollectionStartEvent) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.value, dict) and top.key is None:
            raise SpecError("a mapping key must be a plain name", self.span_of(event))
        is_map = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (None, "!", _MAP_TAG if is_map else _SEQ_TAG):
            raise self.tag_error(event)
        if len(self.stack) + 1 > self.limits.yaml_depth:
            raise self.depth_error(event)
        first_count = self.count
        self.grow(1, event)
        value: dict[str, Any] | list[Any] = {} if is_map else []
        path = self.place(value, event)
        self.stack.append(_Open(value, path, event.anchor, first_count))

    def on_end(self) -> None:
        done = self.stack.pop()
        if self.stack:
            self.stack[-1].height = max(self.stack[-1].height, done.height + 1)
        if done.anchor:
            size = self.count - done.first_count
            self.anchors[done.anchor] = _Anchor(done.value, done.path, size, done.height)

    def on_alias(self, event: yaml.AliasEvent) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.value, dict) and top.key is None:
            raise SpecError("a mapping key must be a plain name, not an alias", self.span_of(event))
        anchor = self.anchors.get(event.anchor)
        if anchor is None:
            recursive = any(o.anchor == event.anchor for o in self.stack)
            problem = "refers to the value that contains it" if recursive else "is not defined before this point"
            raise SpecError(f"YAML alias '*{event.anchor}' {problem}", self.span_of(event),
                            hint=None if recursive else f"define it first with '&{event.anchor}'")
        if len(self.stack) + anchor.height > self.limits.yaml_depth:
            raise self.depth_error(event)
        self.grow(anchor.size, event)
        path = self.place(_copy(anchor.value), event)
        if top is not None:
            top.height = max(top.height, anchor.height + 1)
        self.aliases[path] = anchor.path

    # -- helpers -------------------------------------------------------------------

    def place(self, value: Any, event: yaml.Event) -> Path:
        """Put a value into the open collection (or make it the root); its path."""
        if not self.stack:
            self.root = value
            self.record((), event)
            return ()
        top = self.stack[-1]
        if isinstance(top.value, list):
            path = top.path + (len(top.value),)
            top.value.append(value)
            self.record(path, event)
            return path
        assert top.key is not None
        path, top.value[top.key], top.key = top.path + (top.key,), value, None
        return path

    def grow(self, size: int, event: yaml.Event) -> None:
        self.count += size
        if self.count > self.limits.yaml_nodes:
            raise LimitError(
                f"YAML document has more than {self.limits.yaml_nodes} values "
                "(an alias counts as a copy of what it names)",
                self.span_of(event),
                hint=LIMIT_HINT.format(name="yaml_nodes"),
            )

    def scalar(self, event: yaml.ScalarEvent) -> Any:
        kind, value = _scalar(event.tag, event.value, event.implicit, self.limits.expr_int_bits)
        if kind == "tag":
            raise self.tag_error(event)
        if kind == "big":
            raise LimitError(
                f"integer literal larger than {self.limits.expr_int_bits} bits",
                self.span_of(event),
                hint=LIMIT_HINT.format(name="expr_int_bits"),
            )
        return value

    def depth_error(self, event: yaml.Event) -> LimitError:
        return self.depth_error_at(self.span_of(event))

    def depth_error_at(self, span: Span) -> LimitError:
        """The `yaml_depth` limit error at `span` (also where libyaml's own nesting limit stops the parse)."""
        return LimitError(
            f"YAML nesting deeper than the limit of {self.limits.yaml_depth}",
            span,
            hint=LIMIT_HINT.format(name="yaml_depth"),
        )

    def tag_error(self, event: yaml.NodeEvent) -> SpecError:
        tag = getattr(event, "tag", None)
        return SpecError(
            f"YAML tag '{tag}' is not allowed in a spec (specs are plain data)",
            self.span_of(event),
            hint="remove the tag; archdsl never constructs objects from YAML",
        )


def _key_tag(event: yaml.ScalarEvent) -> str:
    return event.tag if event.tag not in (None, "!") else _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)


@lru_cache(maxsize=4096)
def _scalar(tag: str | None, text: str, implicit: tuple[bool, bool], int_bits: int) -> tuple[str, Any]:
    """("ok", value), ("tag", None) for a tag specs may not use, or ("big", None) for an oversized int.

    Cached: specs repeat the same scalars (and hostile files repeat them a lot).
    """
    explicit = tag not in (None, "!")
    resolved = tag if explicit else _RESOLVER.resolve(yaml.ScalarNode, text, implicit)
    construct = _SCALAR_TAGS.get(resolved)
    if construct is None:
        return ("tag", None) if explicit else ("ok", text)  # an implicit timestamp or `=`: plain text
    try:
        value = construct(_CONSTRUCTOR, yaml.ScalarNode(resolved, text))
    except (ValueError, yaml.YAMLError):
        if resolved != _INT_TAG:
            return "ok", text
        return "big", None  # more digits than Python converts: certainly over the limit
    if resolved == _INT_TAG and value.bit_length() > int_bits:
        return "big", None
    return "ok", value


def _copy(value: Any) -> Any:
    """A fresh copy of aliased data, so every occurrence has its own spans and identity."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value
