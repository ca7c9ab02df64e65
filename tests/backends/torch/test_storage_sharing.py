"""The memory analysis's storage sharing agrees with what torch does: an op the analysis treats
as sharing its input's storage (a view, or dropout at inference) returns a tensor on the same
storage in the built module, and every other op allocates."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from archdsl.ops import OPS

CASES = {
    "identity": "{op: identity}",
    "flatten": "{op: flatten}",
    "reshape": "{op: reshape, shape: [4, 64]}",
    "permute": "{op: permute, dims: [0, 2, 3, 1]}",
    "select": "{op: select, dim: 1, index: 2}",
    "split": "{op: split, sizes: [1, 3]}",
    "chunk": "{op: chunk, chunks: 2}",
    "crop": "{op: crop, size: [4, 4], offset: [1, 1]}",
    "index_select": "{op: index_select, index: [3, 2, 1, 0], dim: 1}",
    "dropout": "{op: dropout, p: 0.5}",
    "dropout2d": "{op: dropout2d, p: 0.5}",
    "drop_path": "{op: drop_path, p: 0.5}",
    "relu": "{op: relu}",
    "pad": "{op: pad, pads: [1, 1]}",
}


@pytest.mark.parametrize("op", sorted(CASES))
def test_shared_storage_matches_torch_in_eval_mode(op: str, build: Any, spec_text: Any) -> None:
    module = build(spec_text(f"  - y: {CASES[op]}", inputs="{x: [4, 8, 8]}")).eval()
    x = torch.randn(2, 4, 8, 8)
    with torch.no_grad():
        out = module(x)
    first = out[0] if isinstance(out, (tuple, list)) else out
    shares = first.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    definition = OPS[op]
    assert shares == (definition.view or definition.eval_alias), f"{op}: torch shares storage: {shares}"
