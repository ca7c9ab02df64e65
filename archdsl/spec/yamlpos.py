"""Safe YAML loading that remembers where every key and value came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from archdsl.errors import LimitError, Span, SpecError
from archdsl.limits import Limits

Path = tuple[str | int, ...]

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str": SafeConstructor.construct_yaml_str,
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


@dataclass
class Document:
    """A parsed YAML file: plain Python data plus the span of every path in it."""

    file: str
    data: Any
    spans: dict[Path, Span] = field(default_factory=dict)

    def span(self, path: Path) -> Span:
        """The span of the deepest recorded prefix of `path`."""
        for end in range(len(path), -1, -1):
            found = self.spans.get(tuple(path[:end]))
            if found is not None:
                return found
        return Span(self.file, 1, 1)


def load_yaml(text: str, file: str, limits: Limits) -> Document:
    """Parse `text` safely (no object construction) into a Document."""
    if len(text.encode("utf-8", "surrogatepass")) > limits.file_bytes:
        raise LimitError(
            f"file is larger than the limit of {limits.file_bytes} bytes",
            Span(file, 1, 1),
            hint="raise it with --limit file_bytes=N if the file is genuine",
        )
    _check_depth(text, file, limits)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML error: {exc}", Span(file, 1, 1)) from None
    builder = _Builder(file, limits)
    if root is not None:
        builder.check_expanded_size(root)
    data = builder.build(root, ()) if root is not None else None
    return Document(file, data, builder.spans)


def _syntax_error(exc: yaml.MarkedYAMLError, file: str) -> SpecError:
    mark = exc.problem_mark or exc.context_mark
    span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file, 1, 1)
    problem = exc.problem or exc.context or "invalid YAML"
    return SpecError(f"YAML syntax error: {problem}", span)


def _check_depth(text: str, file: str, limits: Limits) -> None:
    """Walk parser events (iteratively) so deep nesting fails before recursion does."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > limits.yaml_depth:
                    mark = event.start_mark
                    raise LimitError(
                        f"YAML nesting deeper than the limit of {limits.yaml_depth}",
                        Span(file, mark.line + 1, mark.column + 1),
                        hint="raise it with --limit yaml_depth=N if the file is genuine",
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file) from None


class _Builder:
    """Turns composed YAML nodes into plain data, counting alias expansions."""

    def __init__(self, file: str, limits: Limits) -> None:
        self.file = file
        self.limits = limits
        self.spans: dict[Path, Span] = {}
        self.scalars = SafeConstructor()

    def span_of(self, node: yaml.Node) -> Span:
        mark = node.start_mark
        return Span(self.file, mark.line + 1, mark.column + 1)

    def check_expanded_size(self, root: yaml.Node) -> None:
        """Reject alias bombs by sizing the shared node graph before expanding it."""
        sizes: dict[int, int] = {}

        def size(node: yaml.Node) -> int:
            known = sizes.get(id(node))
            if known is not None:
                return known
            total = 1
            if isinstance(node, yaml.SequenceNode):
                total += sum(size(item) for item in node.value)
            elif isinstance(node, yaml.MappingNode):
                total += sum(size(k) + size(v) for k, v in node.value)
            sizes[id(node)] = total
            if total > self.limits.yaml_nodes:
                raise LimitError(
                    f"YAML document expands to more than {self.limits.yaml_nodes} values "
                    "(aliases are expanded)",
                    self.span_of(node),
                    hint="a document that multiplies aliases is rejected; "
                    "raise --limit yaml_nodes=N if the file is genuine",
                )
            return total

        size(root)

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.spans.setdefault(path, self.span_of(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self.tag_error(node)
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            raise self.tag_error(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError("a mapping key must be a plain name", self.span_of(key_node))
            key = str(key_node.value)
            if key == "<<" and key_node.tag == "tag:yaml.org,2002:merge":
                raise SpecError(
                    "YAML merge keys ('<<') are not supported in specs",
                    self.span_of(key_node),
                    hint="use a block, `with:` arguments or `extends:` to share definitions",
                )
            if key in out:
                first = self.spans.get(path + (key,))
                raise SpecError(
                    f"duplicate key '{key}'" + (f" (first defined at {first})" if first else ""),
                    self.span_of(key_node),
                    hint="YAML keeps only the last value of a repeated key; remove or rename one",
                )
            self.spans[path + (key,)] = self.span_of(key_node)
            out[key] = self.build(value_node, path + (key,))
        return out

    def scalar(self, node: yaml.ScalarNode) -> Any:
        construct = _SCALAR_TAGS.get(node.tag)
        if construct is None:
            raise self.tag_error(node)
        try:
            return construct(self.scalars, node)
        except (ValueError, yaml.YAMLError):
            return str(node.value)

    def tag_error(self, node: yaml.Node) -> SpecError:
        return SpecError(
            f"YAML tag '{node.tag}' is not allowed in a spec (specs are plain data)",
            self.span_of(node),
            hint="remove the tag; archdsl never constructs objects from YAML",
        )
