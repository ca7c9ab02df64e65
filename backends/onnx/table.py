"""The ONNX emitter table: one rule per op name, registered with `@emits("conv2d")`.

A rule receives a `Site` (the IR node, its input and output types, the target
opset, and methods that add ONNX nodes, constants and weights for it) and the
tensor names of the node's inputs; it returns one tensor name per output port.
Each entry says from which opset it can emit the op (`since`), possibly
depending on the node's attributes (circular padding needs opset 19).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from archdsl.ir.graph import Node
from archdsl.ops import OpAttrs
from archdsl.tensors import TensorType

if TYPE_CHECKING:
    import numpy as np

MIN_OPSET = 18
"""The oldest opset archdsl emits (the default when no op needs a newer one)."""


class Site(Protocol):
    """What a rule sees of the node it emits, and how it adds ONNX nodes for it.

    Intermediate values are named `<node>/<suffix>`; whichever value a rule
    returns for an output port is renamed to that port's name (the node's own
    name for port 0), and the ONNX node producing port 0 takes the node's name.
    """

    node: Node
    inputs: list[TensorType]
    outputs: list[TensorType]
    opset: int

    @property
    def attrs(self) -> Any: ...

    def op(self, op_type: str, *inputs: str, suffix: str = "", outputs: int = 1, **attributes: Any) -> Any:
        """Add an ONNX node; its output name (a list of `outputs` names when outputs > 1).
        An empty input name marks an omitted optional input."""

    def const(self, value: np.ndarray, suffix: str = "") -> str:
        """A Constant node holding `value` (use for shapes, axes, scalars)."""

    def weight(self, name: str) -> str:
        """The value name of this node's parameter or buffer `name` (e.g. "weight")."""

    def has_weight(self, name: str) -> bool:
        """Whether this node has the parameter or buffer `name`."""

    def graph_input(self) -> str:
        """Declare this node a graph input; its value name."""


Rule = Callable[[Site, list[str]], Sequence[str]]
Since = Callable[[OpAttrs], int]


@dataclass(frozen=True)
class Emitter:
    """A rule and the oldest opset it can emit a node with the given attributes at."""

    rule: Rule
    since: Since


EMITTERS: dict[str, Emitter] = {}


def emits(op: str, since: int | Since = MIN_OPSET) -> Callable[[Rule], Rule]:
    """Register the decorated function as the ONNX emitter of `op`."""
    needs: Since = since if callable(since) else (lambda attrs, v=since: v)

    def register(rule: Rule) -> Rule:
        if op in EMITTERS:
            raise ValueError(f"ONNX emitter for '{op}' is registered twice")
        EMITTERS[op] = Emitter(rule, needs)
        return rule

    return register
