"""Finding the torch rule for a node: the rule modules and the plugins' lowerings are loaded on first use."""

from __future__ import annotations

from archdsl.errors import BackendError
from archdsl.ir.graph import Node
from archdsl.plugin import load_lowerings, lowering_gap
from backends.torch import rules  # noqa: F401  (registration side effects)
from backends.torch.table import RULES, Entry


def entry_for(node: Node) -> Entry:
    """The rule that lowers `node`, or a BackendError naming the op, the node and its spec line."""
    load_rules()
    entry = RULES.get(node.op)
    if entry is None:
        how = f"`@lowers(\"{node.op}\")` from backends.torch.table"
        detail, hint = lowering_gap(node.op, "torch", how) or ("", f"add a {how} rule in backends/torch/rules")
        raise BackendError(f"the torch backend cannot lower op '{node.op}'" + (f": {detail}" if detail else ""),
                           node.span, node.name, hint=hint)
    return entry


def load_rules() -> dict[str, Entry]:
    """Import the rule modules (registering every rule), and the lowering modules plugins
    declared for "torch", and return the table. Plugins register with `lowers` too."""
    load_lowerings("torch")
    return RULES
