"""Helpers for the torch backend tests: tiny specs, built modules, output flattening.

(pytest runs with --import-mode=importlib, so helpers are handed out as fixtures.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

import archdsl


def _spec_text(graph: str, inputs: str = "{x: [6, 5, 5]}", outputs: str | None = None, extra: str = "") -> str:
    lines = ["archdsl: 1", "name: t", f"inputs: {inputs}", "graph:", graph.rstrip()]
    if outputs is not None:
        lines.append(f"outputs: {outputs}")
    return "\n".join(lines) + "\n" + extra


def _tensors(result: Any) -> list[torch.Tensor]:
    if isinstance(result, torch.Tensor):
        return [result]
    values = result.values() if isinstance(result, dict) else result
    return [t for item in values for t in _tensors(item)]


@pytest.fixture
def spec_text() -> Callable[..., str]:
    """`spec_text(graph, inputs=..., outputs=..., extra=...)`: a spec named `t` as YAML text."""
    return _spec_text


@pytest.fixture
def tensors() -> Callable[[Any], list[torch.Tensor]]:
    """Output tensors in order from a tensor, a dict, a namedtuple or nested tuples."""
    return _tensors


@pytest.fixture
def build(load_text: Callable[..., archdsl.Model]) -> Callable[..., torch.fx.GraphModule]:
    """Load spec text (with params) and lower it with seed 0 on the CPU."""

    def make(text: str, **params: Any) -> torch.fx.GraphModule:
        return load_text(text, **params).to_torch(seed=0)

    return make
