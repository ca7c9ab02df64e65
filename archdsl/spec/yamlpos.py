"""Safe YAML loading that remembers where every key and value came from.

The document is built straight from parser events with an explicit stack: no
object construction, no recursion (so no nesting can exhaust the stack), and
every limit is checked as the events arrive, before any work is spent on a
value: nesting depth, the number of values (aliases counted as expanded, so a
"billion laughs" document stops at its first oversized alias) and the size of
integer literals. libyaml's parser is used when PyYAML was built with it.

libyaml 0.2.6 (bundled from PyYAML 6.0.4) has a nesting limit of its own, which its
scanner can reach while looking ahead, before any event reaches the builder. That
limit is kept above `yaml_depth` for the duration of a load, and its error is
reported as archdsl's `yaml_depth` limit, so the user sees the same located error
with the limit's name whichever parser stops first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml

from archdsl.errors import LimitError, Span, SpecError
from archdsl.limits import Limits
from archdsl.spec.yamlbuild import LIMIT_HINT, PARSER, Builder, Mark, Path


@dataclass
class Document:
    """A parsed YAML file: plain Python data plus the span of every path in it."""

    file: str
    data: Any
    spans: dict[Path, Mark] = field(default_factory=dict)
    """(line, column) of every path, 1-based."""
    aliases: dict[Path, Path] = field(default_factory=dict)
    """Where an alias was used → its anchor's path: positions inside an alias are the anchor's."""

    def span(self, path: Path) -> Span:
        """The span of the deepest recorded prefix of `path` (looking through aliases)."""
        path = tuple(path)
        for _ in range(len(self.aliases) + 1):  # each step follows one alias to an earlier anchor
            for end in range(len(path), -1, -1):
                prefix = path[:end]
                if end < len(path) and prefix in self.aliases:
                    path = self.aliases[prefix] + path[end:]
                    break
                found = self.spans.get(prefix)
                if found is not None:
                    return Span(self.file, *found)
            else:
                break
        return Span(self.file, 1, 1)


def load_yaml(text: str, file: str, limits: Limits) -> Document:
    """Parse `text` safely (plain data only, every limit enforced) into a Document."""
    if len(text.encode("utf-8", "surrogatepass")) > limits.file_bytes:
        raise LimitError(
            f"file is larger than the limit of {limits.file_bytes} bytes",
            Span(file, 1, 1),
            hint=LIMIT_HINT.format(name="file_bytes"),
        )
    builder = Builder(file, limits)
    try:
        with _libyaml_nesting_above(limits.yaml_depth):
            _feed(PARSER(text), builder)
    except yaml.MarkedYAMLError as exc:
        if _NESTING_PROBLEM in (exc.problem or ""):
            raise builder.depth_error_at(_mark_span(exc.problem_mark, file)) from None
        raise _syntax_error(exc, file, text) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}", Span(file, 1, 1)) from None
    return Document(file, builder.root, builder.spans, builder.aliases)


def _feed(parser: Any, builder: Builder) -> None:
    try:
        # get_event() until None, as yaml.parse does, without its generator and check_event() per event
        event = parser.get_event()
        while event is not None:
            builder.on(event)
            event = parser.get_event()
    finally:
        parser.dispose()


_NESTING_PROBLEM = "exceeded maximum nesting depth"
"""libyaml's own nesting error (libyaml >= 0.2.6)."""
_LIBYAML = getattr(yaml, "_yaml", None) if PARSER is not yaml.SafeLoader else None
_LIBYAML_NESTING = threading.Lock()


@contextmanager
def _libyaml_nesting_above(depth: int) -> Iterator[None]:
    """Keep libyaml's process-wide nesting limit above `depth` while a load runs.

    libyaml counts one level per collection plus one for the document's block
    context, so a limit of depth + 2 never refuses a document archdsl accepts, and
    reaching it means archdsl's own limit is exceeded too. The global is raised
    only when needed (its default, 1000, is above the default `yaml_depth`) and
    restored afterwards.
    """
    get = getattr(_LIBYAML, "_get_max_nest_level", None)
    set_ = getattr(_LIBYAML, "_set_max_nest_level", None)
    if get is None or set_ is None or get() == -1 or get() >= depth + 2:  # -1: libyaml without the control
        yield
        return
    with _LIBYAML_NESTING:
        before = get()
        set_(depth + 2)
        try:
            yield
        finally:
            set_(before)


def _mark_span(mark: yaml.Mark | None, file: str) -> Span:
    return Span(file, mark.line + 1, mark.column + 1) if mark else Span(file, 1, 1)


def _syntax_error(exc: yaml.MarkedYAMLError, file: str, text: str) -> SpecError:
    problem, context = exc.problem or exc.context or "invalid YAML", exc.context
    mark, opened = exc.problem_mark or exc.context_mark, exc.context_mark
    if context and context != problem and opened is not None and mark is not None:
        if "end of stream" in problem:  # an unclosed quote or bracket: point at where it opened
            mark, problem = opened, f"{problem} {context} that starts here"
        elif opened.line != mark.line:
            problem = f"{problem} {context} (opened at line {opened.line + 1}, column {opened.column + 1})"
        else:
            problem = f"{problem} {context}"
    span = _mark_span(mark, file)
    return SpecError(f"YAML syntax error: {problem}", span, hint=_syntax_hint(problem, text, span))


def _syntax_hint(problem: str, text: str, span: Span) -> str | None:
    lines = text.splitlines()
    line = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    if "\t" in line[: span.col]:
        return "YAML does not allow tabs for indentation; use spaces"
    if "block" in problem or "expected key" in problem:
        return "check this line's indentation against the lines above it"
    return None


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> SpecError:
    before = text[: max(exc.position, 0)]
    line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    return SpecError(
        f"YAML syntax error: control character U+{char:04X} is not allowed in YAML text",
        Span(file, line, col),
        hint="the file may be binary or damaged; specs are plain UTF-8 text",
    )
