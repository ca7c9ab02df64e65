"""The options of a diagram, checked once at the edge (API keywords and CLI flags)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from archdsl.errors import BackendError, Span, did_you_mean
from archdsl.ir.graph import Graph

RANKDIRS = ("TB", "LR")
SHOWABLE = ("macs", "rf")


@dataclass(frozen=True)
class Options:
    """How to draw a model.

    depth: show block scopes down to this depth as clusters and collapse deeper
      ones into one node each (0: only top-level nodes, every block collapsed;
      None: everything expanded), as `archdsl analyze --depth` rolls rows up.
    expand: scopes drawn fully expanded whatever the depth (their ancestors too).
    rankdir: 'TB' (top to bottom) or 'LR' (left to right).
    show: extra per-node lines: 'macs', 'rf' (receptive field size and stride).
    merge: draw consecutive identical collapsed block instances as one '×N' node.
    legend: add the colour legend.
    """

    depth: int | None = None
    expand: tuple[str, ...] = ()
    rankdir: str = "TB"
    show: frozenset[str] = frozenset()
    merge: bool = True
    legend: bool = True


def make_options(**given: Any) -> Options:
    """Options from keywords, each checked; a BackendError names the bad one."""
    known = [f.name for f in fields(Options)]
    for key in given:
        if key not in known:
            raise BackendError(f"unknown graphviz option '{key}'",
                               hint=did_you_mean(key, known) or f"options: {', '.join(known)}")
    depth = given.get("depth")
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise BackendError(f"depth must be a non-negative integer or None, got {depth!r}")
    rankdir = str(given.get("rankdir", "TB")).upper()
    if rankdir not in RANKDIRS:
        raise BackendError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {given['rankdir']!r}")
    return Options(
        depth=depth,
        expand=_names(given.get("expand") or (), "expand"),
        rankdir=rankdir,
        show=frozenset(parse_show(given.get("show") or ())),
        merge=bool(given.get("merge", True)),
        legend=bool(given.get("legend", True)),
    )


def parse_show(value: str | Iterable[str]) -> list[str]:
    """'rf,macs' or ['rf', 'macs'] → the checked list."""
    items = _names(value, "show")
    items = tuple(part.strip() for item in items for part in item.split(",") if part.strip())
    for item in items:
        if item not in SHOWABLE:
            raise BackendError(f"cannot show '{item}'",
                               hint=did_you_mean(item, SHOWABLE) or f"choose from: {', '.join(SHOWABLE)}")
    return sorted(set(items))


def _names(value: str | Iterable[str], what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    try:
        items = tuple(value)
    except TypeError:
        raise BackendError(f"{what} must be a string or a list of strings, got {value!r}") from None
    if not all(isinstance(item, str) for item in items):
        raise BackendError(f"{what} must be a string or a list of strings, got {value!r}")
    return items


def check_expand(graph: Graph, names: tuple[str, ...], file: str) -> None:
    """Every scope named in `expand` exists; else a located error with the closest name."""
    for name in names:
        if name in graph.scopes:
            continue
        span = Span(file)
        if name in graph.nodes:
            scope = graph.nodes[name].scope
            hint = f"expand its block '{scope}'" if scope else "top-level nodes are always drawn"
            raise BackendError(f"cannot expand '{name}': it is a node, not a block scope", span, hint=hint)
        level = [s for s in graph.scopes if s.count(".") == name.count(".")]
        hint = did_you_mean(name, level) or did_you_mean(name, graph.scopes) or _some_scopes(graph)
        raise BackendError(f"cannot expand '{name}': no such block scope in '{graph.name}'", span, hint=hint)


def _some_scopes(graph: Graph) -> str:
    tops = [name for name, scope in graph.scopes.items() if not scope.parent]
    if not tops:
        return f"'{graph.name}' has no block scopes"
    more = ", ..." if len(tops) > 6 else ""
    return f"top-level scopes: {', '.join(tops[:6])}{more}"
