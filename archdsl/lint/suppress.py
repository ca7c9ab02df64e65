"""Inline suppressions: `lint: {disable: [rule, ...], why: "..."}` on a graph item (that node,
or every node of that block instance, sub-graph or repeat), on a block declaration (every
instance, and the block's params), or at the top of a file (findings located in that file;
in the spec being linted, every finding). A suppression must say why."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from archdsl.errors import ErrorGroup, Span, SpecError, did_you_mean
from archdsl.ir.graph import Graph
from archdsl.lint.registry import Finding
from archdsl.spec.items import parse_items
from archdsl.spec.loader import Source, Spec
from archdsl.spec.schema import LintDecl
from archdsl.spec.validation import validate_model


@dataclass(frozen=True)
class Suppression:
    """One `lint:` entry and what it covers."""

    rules: tuple[str, ...]
    why: str
    span: Span
    """Where the `lint:` key is."""
    kind: str
    """'file', 'block' or 'node'."""
    target: Span | str
    """The file name (file), block name (block), or the graph item's span (node)."""


def collect(spec: Spec) -> list[Suppression]:
    """Every suppression of the spec, its blocks and its graph items; unknown rule ids are errors."""
    found = [Suppression(tuple(d.disable), d.why, s.span, "file", s.doc.file) for d, s in spec.lint]
    for block in spec.blocks.values():
        if block.decl.lint is not None:
            lint = block.decl.lint
            found.append(Suppression(tuple(lint.disable), lint.why, block.source.at("lint").span, "block", block.name))
        found += _items(block.decl.graph, block.source.at("graph"))
    if spec.graph is not None and spec.graph_source is not None:
        found += _items(spec.graph, spec.graph_source)
    return found


def _items(raw: Any, source: Source) -> Iterator[Suppression]:
    for item in parse_items(raw, source):
        lint = item.body.get("lint")
        if lint is not None:
            decl = validate_model(LintDecl, lint, item.source.doc, item.source.path + ("lint",))
            yield Suppression(tuple(decl.disable), decl.why, item.source.at("lint").span, "node", item.source.span)
        if isinstance(item.body.get("graph"), list):
            yield from _items(item.body["graph"], item.source.at("graph"))


def check_ids(suppressions: list[Suppression], known: list[str]) -> None:
    """A SpecError per rule id that names no lint rule (a typo would silently suppress nothing)."""
    errors = [SpecError(f"`lint: disable` names no lint rule '{rule}'", s.span,
                        hint=did_you_mean(rule, known) or f"rules: {', '.join(known)}")
              for s in suppressions for rule in s.rules if rule not in known]
    if errors:
        raise ErrorGroup(errors)


def covers(suppression: Suppression, finding: Finding, graph: Graph, root: str) -> bool:
    """Whether `suppression` switches `finding` off."""
    if finding.rule not in suppression.rules:
        return False
    if suppression.kind == "file":
        return suppression.target == root or (finding.span is not None and finding.span.file == suppression.target)
    if suppression.kind == "block":
        return finding.block == suppression.target or suppression.target in _enclosing(graph, finding.node, "block")
    return suppression.target in _enclosing(graph, finding.node, "span")


def _enclosing(graph: Graph, node: str | None, what: str) -> list[Any]:
    """The spans (or block names) of a node's graph item and of every scope around it."""
    if node is None or node not in graph.nodes:
        return []
    found: list[Any] = [graph.nodes[node].span] if what == "span" else []
    scope = graph.nodes[node].scope
    while scope:
        entry = graph.scopes[scope]
        found.append(entry.span if what == "span" else entry.block)
        scope = entry.parent
    return found
