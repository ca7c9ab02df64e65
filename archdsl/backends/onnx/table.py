"""The ONNX lowering contract: what a rule sees (`Site`), a table entry (`Emitter`), the table
every op is found in (`EMITTERS`), and the small helpers rules share.

The built-in rules sit in archdsl/backends/onnx/rules, one table per op family; a plugin adds its
ops with `@emits("op")`. A rule receives a `Site` (the IR node, its input and output types, the target
opset, and methods that add ONNX nodes, constants and weights for it) and the
tensor names of the node's inputs; it returns one tensor name per output port.
Each entry says from which opset it can emit the op (`since`), possibly
depending on the node's attributes (circular padding needs opset 19).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from archdsl.backends.onnx.dtypes import numpy_dtype
from archdsl.ir.graph import Node
from archdsl.ops import OpAttrs
from archdsl.tensors import BATCH, TensorType

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


def _min_opset(attrs: OpAttrs) -> int:
    return MIN_OPSET


@dataclass(frozen=True)
class Emitter:
    """A rule and the oldest opset it can emit a node with the given attributes at."""

    rule: Rule
    since: Since = _min_opset


EMITTERS: dict[str, Emitter] = {}
"""Every op's emitter: the families' tables (archdsl/backends/onnx/rules) and the plugins' `@emits`."""


def add_table(table: Mapping[str, Emitter]) -> None:
    """Add a table's emitters to EMITTERS; an op may have only one."""
    for op, emitter in table.items():
        if op in EMITTERS:
            raise ValueError(f"ONNX emitter for '{op}' is registered twice")
        EMITTERS[op] = emitter


def emits(op: str, since: int | Since = MIN_OPSET) -> Callable[[Rule], Rule]:
    """Register the decorated function as the ONNX emitter of `op` (for plugins)."""
    needs: Since = since if callable(since) else (lambda attrs, v=since: v)

    def register(rule: Rule) -> Rule:
        add_table({op: Emitter(rule, needs)})
        return rule

    return register


# -- helpers shared by the rules -------------------------------------------------------


def scalar(site: Site, value: float, suffix: str = "", dtype: str | None = None) -> str:
    """A 0-d constant of the input's dtype (or `dtype`)."""
    return site.const(np.array(value, dtype=numpy_dtype(dtype or site.inputs[0].dtype)), suffix)


def ints(site: Site, values: Sequence[int], suffix: str = "") -> str:
    """A 1-D int64 constant (shapes, axes, sizes)."""
    return site.const(np.array(list(values), dtype=np.int64), suffix)


def weight_operands(site: Site, x: list[str]) -> list[str]:
    """The input, the weight and the bias if the node has one (Conv, ConvTranspose, Gemm)."""
    found = [x[0], site.weight("weight")]
    if site.has_weight("bias"):
        found.append(site.weight("bias"))
    return found


def reshape_dims(source: TensorType, target: TensorType) -> list[int]:
    """Reshape's shape input from `source` to `target`: static sizes, the batch axis copied (0)
    where it keeps its position, inferred (-1) where it moves."""
    dims = []
    for i, d in enumerate(target.shape):
        if d == BATCH:
            dims.append(0 if i < source.rank and source.shape[i] == BATCH else -1)
        else:
            dims.append(int(d))
    return dims


def reshape(site: Site, x: str, source: TensorType, target: TensorType, suffix: str = "reshape") -> str:
    """Reshape `x` (of type `source`) to the static-but-batch shape of `target`."""
    return site.op("Reshape", x, ints(site, reshape_dims(source, target), f"{suffix}_shape"), suffix=suffix)


def channel_view(site: Site, value: str, rank: int, suffix: str) -> str:
    """A per-channel vector (C,) reshaped to broadcast against N×C×... of `rank` axes."""
    if rank <= 2:
        return value
    return site.op("Reshape", value, ints(site, [-1] + [1] * (rank - 2), f"{suffix}_shape"), suffix=suffix)
