"""How the torch backend lowers every op: one table per op family (`TABLES`), the plugins'
rules, and finding a node's rule. Adding an op: a rule and one entry in its family's table."""

from __future__ import annotations

from archdsl.backends.torch.rules import (
    activation,
    conv,
    io,
    linear,
    merge,
    norm,
    pool,
    recurrent,
    regularization,
    shape,
)
from archdsl.backends.torch.table import RULES, Entry, add_table
from archdsl.errors import BackendError
from archdsl.ir.graph import Node
from archdsl.ops import Family
from archdsl.plugin import load_lowerings, lowering_gap

TABLES: dict[Family, dict[str, Entry]] = {
    Family.IO: io.TABLE,
    Family.CONV: conv.TABLE,
    Family.LINEAR: linear.TABLE,
    Family.NORM: norm.TABLE,
    Family.ACTIVATION: activation.TABLE,
    Family.POOL: pool.TABLE,
    Family.REGULARIZATION: regularization.TABLE,
    Family.MERGE: merge.TABLE,
    Family.SHAPE: shape.TABLE,
    Family.RECURRENT: recurrent.TABLE,
}
"""The built-in rules, by the family of the ops they lower."""

for _table in TABLES.values():
    add_table(_table)


def load_rules() -> dict[str, Entry]:
    """Every rule: the built-in tables, and the lowering modules plugins declared for "torch"
    (loaded now; they register with `lowers`)."""
    load_lowerings("torch")
    return RULES


def entry_for(node: Node) -> Entry:
    """The rule that lowers `node`, or a BackendError naming the op, the node and its spec line."""
    entry = load_rules().get(node.op)
    if entry is None:
        how = f"`@lowers(\"{node.op}\")` from archdsl.backends.torch.table"
        detail, hint = lowering_gap(node.op, "torch", how) or ("", f"add a {how} rule in archdsl/backends/torch/rules")
        raise BackendError(f"the torch backend cannot lower op '{node.op}'" + (f": {detail}" if detail else ""),
                           node.span, node.name, hint=hint)
    return entry
