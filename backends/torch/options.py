"""Options the torch backend adds to `archdsl build` (argparse only: no torch import)."""

from __future__ import annotations

import argparse
from typing import Any

from archdsl.spec.init import SEEDS


def add_build_arguments(group: argparse._ArgumentGroup) -> None:
    """--device and --seed; another backend may define the same flags, and then they are shared."""
    _add(group, "--device", default="auto", metavar="DEVICE",
         help="cpu, cuda, cuda:N, or auto (default: CUDA when available, else CPU)")
    _add(group, "--seed", type=seed, default=None, metavar="N",
         help="seed the initial weights: the same seed gives the same weights")


def _add(group: argparse._ArgumentGroup, flag: str, **kwargs: Any) -> None:
    try:
        group.add_argument(flag, **kwargs)
    except argparse.ArgumentError:
        pass  # already defined by another backend's group; the parsed value serves both


def seed(text: str) -> int:
    """A seed torch accepts (see SEEDS)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got '{text}'") from None
    if value not in SEEDS:
        raise argparse.ArgumentTypeError(f"a seed is an integer from -2**63 to 2**64 - 1, got {value}")
    return value
