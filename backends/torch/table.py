"""The torch lowering table: one rule per op name, registered with `@lowers("conv2d")`.

A rule receives a `Site` (the IR node being lowered, its types, and methods
that add torch.fx nodes for it) and the fx values of the node's inputs; it
returns the fx value of the op's result. Modules are described by a `Make`
(class and keyword arguments), so the same record both builds the module and
prints it in the standalone Python source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from archdsl.ir.graph import Node
from archdsl.tensors import TensorType

if TYPE_CHECKING:
    import torch
    from torch import fx


@dataclass(frozen=True)
class Make:
    """A module to construct: `cls(**kwargs)`."""

    cls: type[torch.nn.Module]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def build(self) -> torch.nn.Module:
        return self.cls(**self.kwargs)


class Site(Protocol):
    """What a rule sees of the node it lowers, and how it adds fx nodes for it.

    Intermediate fx nodes take `suffix` (named `<node>_<suffix>`); the node that
    holds the op's result takes none, so generated code reads like the spec.
    """

    node: Node
    inputs: list[TensorType]
    outputs: list[TensorType]
    in_place: bool
    """Whether the op may overwrite its first input (the spec asked and nothing reads it later)."""

    @property
    def attrs(self) -> Any: ...

    def module(self, make: Make, *args: fx.Node) -> fx.Node:
        """Register `make.build()` under the node's dotted name and call it."""

    def call(self, fn: Callable[..., Any], *args: Any, suffix: str = "", **kwargs: Any) -> fx.Node:
        """Call a function (torch.*, torch.nn.functional.*, operator.*)."""

    def method(self, name: str, *args: Any, suffix: str = "", **kwargs: Any) -> fx.Node:
        """Call a tensor method on `args[0]`."""


Rule = Callable[[Site, list["fx.Node"]], "fx.Node"]
PortPath = Callable[[int], tuple[int, ...]]


@dataclass(frozen=True)
class Entry:
    """A rule and how to reach each output port inside its result. What the in-place decisions
    need (aliasing, what autograd keeps) is the op's own: `archdsl.ops.Op`."""

    rule: Rule
    port_path: PortPath


RULES: dict[str, Entry] = {}


def tuple_port(port: int) -> tuple[int, ...]:
    """Output port p is item p of the result (torch.split, nn.GRU's (output, h_n))."""
    return (port,)


def lowers(op: str, port_path: PortPath = tuple_port) -> Callable[[Rule], Rule]:
    """Register the decorated function as the torch lowering of `op`."""

    def register(rule: Rule) -> Rule:
        if op in RULES:
            raise ValueError(f"torch lowering for '{op}' is registered twice")
        RULES[op] = Entry(rule, port_path)
        return rule

    return register
