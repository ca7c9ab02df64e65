"""Name scopes during expansion: what a `from:` or an expression can see."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from archdsl.errors import Span, SpecError, did_you_mean
from archdsl.ir.graph import Ref
from archdsl.spec.expr import TensorInfo


@dataclass
class ScopeValue:
    """What a finished scope (block instance, sub-graph, repeat group) exposes."""

    name: str
    outputs: dict[str, Ref]
    names: dict[str, Value]

    @property
    def default(self) -> Ref:
        return next(iter(self.outputs.values()))


Value = Ref | ScopeValue

POISON = Ref("<failed>")
"""What a name is bound to when its item failed: readers are still checked, but emit nothing."""


@dataclass
class Frame:
    """One graph list being expanded: its name prefix, visible names and cursor."""

    scope: str
    names: dict[str, Value] = field(default_factory=dict)
    parent: Frame | None = None
    """Lexically enclosing frame (inline sub-graphs see their parent's names)."""
    previous: Ref | None = None
    position: int = 0
    depth: int = 0
    pending: set[str] = field(default_factory=set)
    """Names defined later in the list being expanded (for a better error)."""
    current: str | None = None
    """The name of the item being expanded (a `from:` naming it is a cycle)."""
    skipped: dict[str, Span] = field(default_factory=dict)
    """Names whose item a false `when:` skipped (they stand for their input), with where."""

    @property
    def prefix(self) -> str:
        return f"{self.scope}." if self.scope else ""

    def child(self, scope: str, lexical: bool) -> Frame:
        return Frame(scope=scope, parent=self if lexical else None, depth=self.depth + 1)

    def find(self, name: str) -> Value | None:
        frame: Frame | None = self
        while frame is not None:
            if name in frame.names:
                return frame.names[name]
            frame = frame.parent
        return None

    def skipped_at(self, text: str) -> Span | None:
        """Where the item that `text` (`name`, `name.inner`, `name:port`) starts from was skipped."""
        head = text.partition(":")[0].split(".")[0]
        frame: Frame | None = self
        while frame is not None:
            if head in frame.names:
                return frame.skipped.get(head)
            frame = frame.parent
        return None

    def poison(self, name: str | None) -> None:
        """The item named `name` (None: unnamed) failed: it and the cursor stand for nothing."""
        if name and "${" not in name:
            self.names[name] = POISON
        self.previous = POISON

    def explain_skipped(self, error: SpecError, text: str) -> SpecError:
        """A reference through a skipped item fails as if it named that item's input: say so."""
        where = self.skipped_at(text)
        if where is not None:
            head = text.partition(":")[0].split(".")[0]
            error.hint = f"'{head}' is skipped (its `when:` at {where} is false), so it stands for its input"
        return error

    def visible(self) -> list[str]:
        seen: list[str] = []
        frame: Frame | None = self
        while frame is not None:
            seen.extend(frame.names)
            frame = frame.parent
        return seen

    def lookup(self, text: str) -> tuple[Value, str | None]:
        """Resolve `name`, `name.inner` or `name:port`; returns the value and the port text."""
        path, _, port = text.partition(":")
        head, *rest = path.split(".")
        value = self.find(head)
        if value is None:
            raise self.unknown(head)
        for index, part in enumerate(rest):
            if not isinstance(value, ScopeValue) or part not in value.names:
                inside = ".".join([head, *rest[:index]])
                if not isinstance(value, ScopeValue):
                    raise SpecError(f"'{inside}' is a node, not a scope; it has no '{part}'")
                raise SpecError(
                    f"'{inside}' has no node or output '{part}'",
                    hint=did_you_mean(part, value.names),
                )
            value = value.names[part]
        return value, (port or None)

    def unknown(self, name: str) -> SpecError:
        if name == self.current:
            return SpecError(
                f"'{name}' names this node itself; a node cannot read its own output (a cycle)",
                hint="name the node it should read, e.g. the one just above it",
            )
        if name in self.pending:
            return SpecError(
                f"'{name}' is defined later in this graph; `from` may only name earlier nodes",
                hint="move the node up, or reference an earlier one (this would make a cycle)",
            )
        return SpecError(
            f"unknown name '{name}'",
            hint=did_you_mean(name, self.visible()) or f"visible here: {', '.join(self.visible()[-8:])}",
        )


class Poisoned(Exception):
    """A reference reached a node that already failed; its error is reported once, where it happened."""


class ExprEnv(Mapping[str, Any]):
    """The names an expression sees: params and loop variables, then tensors in scope."""

    def __init__(self, values: Mapping[str, Any], frame: Frame, shapes: Mapping[str, Any]) -> None:
        self.values = values
        self.frame = frame
        self.shapes = shapes

    def __getitem__(self, key: str) -> Any:
        if key in self.values:
            return self.values[key]
        value = self.frame.find(key)
        if value is None:
            raise KeyError(key)
        ref = value.default if isinstance(value, ScopeValue) else value
        types = self.shapes.get(ref.node)
        if types is None:  # the node failed: its shape is unknown, and its error is already recorded
            raise Poisoned(key)
        return TensorInfo(tuple(types[ref.port].shape[1:]))

    def __contains__(self, key: object) -> bool:
        return key in self.values or (isinstance(key, str) and self.frame.find(key) is not None)

    def __iter__(self) -> Iterator[str]:
        yield from self.values
        yield from self.frame.visible()

    def __len__(self) -> int:
        return len(self.values) + len(self.frame.visible())
