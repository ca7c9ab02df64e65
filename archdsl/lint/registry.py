"""The lint rule table: each rule is a small function registered under an id.

A rule receives a `Context` (the model and what the rules share about it) and
yields `Hit`s: what is wrong, where, and a suggested fix. The table adds the
rule's id and its one-line why to make `Finding`s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from archdsl.analysis.receptive import ReceptiveFields, receptive_fields
from archdsl.errors import Span
from archdsl.ir.graph import Graph, Node
from archdsl.model import Model
from archdsl.spec.loader import Spec


@dataclass(frozen=True)
class Hit:
    """What one rule found at one place."""

    message: str
    fix: str
    span: Span | None
    node: str | None = None
    block: str | None = None
    """The block whose declaration the hit is about (a block's unused param), if any."""


@dataclass(frozen=True)
class Finding:
    """A lint warning: a rule's hit with the rule's id and why it matters."""

    rule: str
    message: str
    why: str
    fix: str
    span: Span | None
    node: str | None = None
    block: str | None = None


class Context:
    """The model being linted and the facts several rules read (computed once)."""

    def __init__(self, model: Model) -> None:
        self.model = model

    @property
    def graph(self) -> Graph:
        return self.model.graph

    @property
    def spec(self) -> Spec:
        return self.model.spec

    @cached_property
    def consumers(self) -> dict[str, list[str]]:
        return self.graph.consumers()

    @cached_property
    def fields(self) -> ReceptiveFields:
        return receptive_fields(self.graph)

    def producer(self, node: Node, index: int = 0) -> Node:
        """The node whose output is the `index`-th input of `node`."""
        return self.graph.nodes[node.inputs[index].node]

    def hit(self, node: Node, message: str, fix: str) -> Hit:
        """A hit located at `node`'s spec line."""
        return Hit(message, fix, node.span, node.name)


Check = Callable[[Context], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """One lint rule: its id, the one-line reason it exists, and its check."""

    id: str
    why: str
    check: Check


RULES: dict[str, Rule] = {}


def rule(rule_id: str, why: str) -> Callable[[Check], Check]:
    """Register the decorated check as lint rule `rule_id`."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"lint rule '{rule_id}' is registered twice")
        RULES[rule_id] = Rule(rule_id, why, check)
        return check

    return register
