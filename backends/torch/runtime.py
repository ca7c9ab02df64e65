"""Modules that built models use at run time beyond torch.nn. They need only torch:
the standalone Python source written by `archdsl build -o model.py` copies them."""

from __future__ import annotations

from typing import Any

import torch


class DropPath(torch.nn.Module):
    """Stochastic depth (Huang et al. 2016): zero whole samples ("row") or the whole batch
    ("batch") with probability p in training, scaling survivors by 1/(1-p); identity in eval.
    Same semantics and random draws as torchvision.ops.StochasticDepth."""

    def __init__(self, p: float, mode: str = "row") -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
        if mode not in ("row", "batch"):
            raise ValueError(f"mode has to be 'row' or 'batch', but got {mode}")
        self.p = p
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        size = [x.shape[0]] + [1] * (x.ndim - 1) if self.mode == "row" else [1] * x.ndim
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(survival)
        if survival > 0.0:
            noise.div_(survival)
        return x * noise

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode}"


class IndexSelect(torch.nn.Module):
    """Gathers positions `index` along `dim` (torch.index_select). The index is a
    non-persistent buffer: it follows the module to its device and stays out of the state_dict."""

    def __init__(self, dim: int, index: list[int]) -> None:
        super().__init__()
        self.dim = dim
        self.register_buffer("index", torch.tensor(index, dtype=torch.long), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.index_select(x, self.dim, self.index)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, index={self.index.tolist()}"


def train_or_eval(training: bool, eval_result: Any, train_result: Any) -> Any:
    """The training-mode result in training mode, else the eval-mode one: how the fx graph
    says what the generated code's early `return` in eval mode does."""
    return train_result if training else eval_result
