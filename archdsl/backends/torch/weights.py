"""The build-time check that a module's weights are exactly what its op declares.

`Op.weights` names parameters and buffers as PyTorch does; analysis counts
parameters from it. A torch rule that builds a module with other names, shapes,
dtypes or kinds would make the analysis and the state_dict disagree, so every
lowered module is compared with it.
"""

from __future__ import annotations

from torch import nn

from archdsl.errors import BackendError
from archdsl.ir.graph import Node
from archdsl.ops import Weight


def check_weights(node: Node, module: nn.Module, expected: dict[str, Weight]) -> None:
    """Raise BackendError unless `module`'s state_dict matches `expected` entry by entry, in order."""
    found = [
        (name, tuple(t.shape), str(t.dtype).removeprefix("torch."), isinstance(t, nn.Parameter))
        for name, t in module.state_dict(keep_vars=True).items()
    ]
    wanted = [(name, w.shape, w.dtype, w.trainable) for name, w in expected.items()]
    if found != wanted:
        raise BackendError(
            f"the torch module for op '{node.op}' has weights {_show(found)}, but the op declares {_show(wanted)}",
            node.span, node.name, hint="the op's `weights` and its torch rule disagree; please report this bug",
        )


def _show(entries: list[tuple]) -> str:
    return ", ".join(f"{name} {list(shape)}{'' if param else ' (buffer)'}" for name, shape, _, param in entries) or "none"
