"""The archdsl error family: every user-facing failure carries a source span."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Span:
    """A position in a spec file (1-based line and column)."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


class ArchdslError(Exception):
    """Base of every error archdsl reports to a user (exit status 2 in the CLI)."""

    kind = "error"

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        node: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.node = node
        self.hint = hint

    def located(self, span: Span | None, node: str | None = None) -> ArchdslError:
        """Fill in the span and node where they are still unknown; returns self."""
        if self.span is None:
            self.span = span
        if self.node is None:
            self.node = node
        return self

    def format(self) -> str:
        """One or two lines: `file:line:col: error: [node] message` and the hint."""
        where = f"{self.span}: " if self.span else ""
        node = f"[{_short_node(self.node)}] " if self.node else ""
        text = visible(f"{where}{self.kind}: {node}{self.message}")
        if self.hint:
            text += f"\n  hint: {visible(self.hint)}"
        return text

    def __str__(self) -> str:
        return self.format()


class SpecError(ArchdslError):
    """The spec is malformed: YAML, schema, references, expressions."""


class ExprError(SpecError):
    """An expression `${...}` could not be evaluated."""


class LimitError(SpecError):
    """A configured safety limit was exceeded."""


class ExprLimitError(ExprError, LimitError):
    """An expression went past a limit (steps, size, integer bits): both kinds of error at once."""


class ShapeError(ArchdslError):
    """Shapes do not fit: an op's input does not match what it expects."""

    def __init__(
        self, message: str, span: Span | None = None, node: str | None = None, hint: str | None = None,
        attr: str | None = None,
    ) -> None:
        super().__init__(message, span, node, hint)
        self.attr = attr
        """The attribute the mismatch is about (e.g. `groups`): the error points at it where the spec writes it."""


class BackendError(ArchdslError):
    """A backend cannot lower or run the model (missing op, bad weights, provider)."""


class OutputError(ArchdslError):
    """An output file could not be written (a directory, no permission, disk full)."""


MAX_REPORTED = 20
"""At most this many errors are reported at once; fixing them shows the next ones."""


class ErrorGroup(ArchdslError):
    """Several independent errors, reported together sorted by position (at most MAX_REPORTED)."""

    def __init__(self, errors: Iterable[ArchdslError], more: bool = False) -> None:
        ordered = sorted(errors, key=_position_key)
        self.more = more or len(ordered) > MAX_REPORTED
        """Whether there are (or may be) errors beyond those listed."""
        self.errors = ordered[:MAX_REPORTED]
        first = self.errors[0]
        super().__init__(first.message, first.span, first.node, first.hint)

    def format(self) -> str:
        lines = [error.format() for error in self.errors]
        if self.more:
            lines.append(f"{len(self.errors)} errors shown; there may be more (fix these and run again)")
        elif len(self.errors) > 1:
            lines.append(f"{len(self.errors)} errors")
        return "\n".join(lines)


def visible(text: str) -> str:
    """`text` with control characters, line separators and the like escaped (`\\n`, `\\x00`, `\\u2028`).

    An error is one line (and a hint line): a name with a newline in it must not split the record.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _short_node(node: str, keep: int = 3) -> str:
    """A node path of a deep (often recursive) nesting, with its middle elided."""
    parts = node.split(".")
    if len(node) <= 100 or len(parts) <= 2 * keep:
        return node
    return ".".join(parts[:keep] + [f"…{len(parts) - 2 * keep} more…"] + parts[-keep:])


def _position_key(error: ArchdslError) -> tuple[str, int, int]:
    span = error.span or Span("")
    return (span.file, span.line, span.col)


def closest(word: object, choices: Iterable[object]) -> str | None:
    """The choice closest to a misspelt word, if any is close enough (difflib ratio at least 0.6)."""
    import difflib  # only when a hint is wanted: it costs every start-up a few ms otherwise

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: object, choices: Iterable[object]) -> str | None:
    """A hint naming the closest choice to a misspelt word, or None."""
    close = closest(word, choices)
    return f"did you mean '{close}'?" if close else None
