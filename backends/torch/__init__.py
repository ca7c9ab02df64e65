"""The torch backend: a spec becomes a `torch.fx.GraphModule` (straight-line generated
Python, submodules under the spec's dotted names, initialised as the spec says).

Python API: `lower(model, seed=None, device="cpu")` (also `model.to_torch(...)`).
CLI: `archdsl build SPEC --backend torch [-o model.pt2|.pt|.py] [--device] [--seed]`.
torch is imported only when the backend is used, so `archdsl analyze` stays fast.
"""

from __future__ import annotations

import argparse
from typing import Any

from archdsl.backend import Backend
from archdsl.model import Model


def lower(model: Model, seed: int | None = None, device: str = "cpu") -> Any:
    """The spec as a `torch.fx.GraphModule` on `device`; `seed` makes its initial weights reproducible."""
    from backends.torch.lower import lower as lower_

    return lower_(model, seed=seed, device=device)


def build(model: Model, args: argparse.Namespace) -> str:
    """`archdsl build --backend torch`: build, check one forward pass, write `-o`; returns the summary."""
    from backends.torch.cli import build as build_

    return build_(model, args)


def add_build_arguments(group: argparse._ArgumentGroup) -> None:
    """--device and --seed (either may already be there from another backend)."""
    from backends.torch.options import add_build_arguments as add

    add(group)


def _ops() -> set[str]:
    from backends.torch.rules import load_rules

    return set(load_rules())


BACKEND = Backend(
    name="torch",
    description="PyTorch: a torch.fx GraphModule; artifacts .pt2 (torch.export), .pt (state_dict), .py (source)",
    lower=lower,
    build=build,
    add_build_arguments=add_build_arguments,
    ops=_ops,
)

__all__ = ["BACKEND", "lower"]
