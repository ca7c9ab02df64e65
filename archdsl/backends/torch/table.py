"""The torch lowering contract: what a rule sees (`Site`), a table entry (`Entry`), the table every
op is found in (`RULES`), and the helper rules share.

The built-in rules sit in archdsl/backends/torch/rules, one table per op family; a plugin adds its ops
with `@lowers("op")`. A rule receives a `Site` (the IR node being lowered, its types, and methods
that add torch.fx nodes for it) and the fx values of the node's inputs; it
returns the fx value of the op's result. Modules are described by a `Make`
(class and keyword arguments), so the same record both builds the module and
prints it in the standalone Python source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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

    def placeholder(self) -> fx.Node:
        """Declare this node a graph input (a `forward` argument)."""


Rule = Callable[[Site, list["fx.Node"]], "fx.Node"]
PortPath = Callable[[int], tuple[int, ...]]


def tuple_port(port: int) -> tuple[int, ...]:
    """Output port p is item p of the result (torch.split, nn.GRU's (output, h_n))."""
    return (port,)


@dataclass(frozen=True)
class Entry:
    """A rule and how to reach each output port inside its result. What the in-place decisions
    need (aliasing, what autograd keeps) is the op's own: `archdsl.ops.Op`."""

    rule: Rule
    port_path: PortPath = tuple_port


RULES: dict[str, Entry] = {}
"""Every op's rule: the families' tables (archdsl/backends/torch/rules) and the plugins' `@lowers`."""


def add_table(table: Mapping[str, Entry]) -> None:
    """Add a table's entries to RULES; an op may have only one."""
    for op, entry in table.items():
        if op in RULES:
            raise ValueError(f"torch lowering for '{op}' is registered twice")
        RULES[op] = entry


def lowers(op: str, port_path: PortPath = tuple_port) -> Callable[[Rule], Rule]:
    """Register the decorated function as the torch lowering of `op` (for plugins)."""

    def register(rule: Rule) -> Rule:
        add_table({op: Entry(rule, port_path)})
        return rule

    return register


def size(value: Any) -> Any:
    """An int-or-list attribute as torch takes it: an int, or a tuple."""
    return tuple(value) if isinstance(value, list) else value
