"""The torch backend: a spec becomes a `torch.fx.GraphModule` (straight-line generated
Python, submodules under the spec's dotted names, initialised as the spec says).

Python API: `lower(model, seed=None, device="cpu")` (also `model.to_torch(...)`).
CLI: `archdsl build SPEC --backend torch [-o model.pt2|.pt|.safetensors|.py] [--device] [--seed]` (both options the CLI's).
torch is imported only when the backend is used, so `archdsl analyze` stays fast.
"""

from __future__ import annotations

import argparse
from typing import Any

from archdsl.backends import Backend
from archdsl.lowering import Lowerable, Lowering, lowering_of
from archdsl.progress import stage


def lower(model: Lowering | Lowerable, seed: int | None = None, device: str = "cpu") -> Any:
    """The spec as a `torch.fx.GraphModule` on `device`; `seed` makes its initial weights reproducible."""
    from archdsl.backends.torch.lower import lower as lower_

    return lower_(lowering_of(model), seed=seed, device=device)


def build(lowering: Lowering, args: argparse.Namespace) -> str:
    """`archdsl build --backend torch`: build, check one forward pass, write `-o`; returns the summary."""
    with stage("importing torch"):
        from archdsl.backends.torch.cli import build as build_

    return build_(lowering, args)


def _ops() -> set[str]:
    from archdsl.backends.torch.rules import load_rules

    return set(load_rules())


BACKEND = Backend(
    name="torch",
    description="PyTorch: a torch.fx GraphModule; artifacts .pt2 (torch.export), .pt/.safetensors (state_dict), .py (source)",
    lower=lower,
    build=build,
    shared_options=frozenset({"seed", "device"}),
    ops=_ops,
)

__all__ = ["BACKEND", "lower"]
