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


class DropPathMean(torch.nn.Module):
    """FractalNet's join with local drop-path (Larsson et al. 2017, §3.1): the element-wise mean
    of its inputs; in training, each sample drops each input with probability p, keeps at least
    one (a random one when all were dropped) and averages the inputs it kept. Eval: the mean."""

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
        self.p = p

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        stacked = torch.stack(xs)
        if not self.training or self.p == 0.0:
            return stacked.mean(0)
        count, batch = stacked.shape[0], stacked.shape[1]
        keep = torch.rand(count, batch, device=stacked.device) >= self.p
        rescue = torch.randint(count, (batch,), device=stacked.device)
        none_kept = ~keep.any(0)
        keep = keep | (torch.nn.functional.one_hot(rescue, count).T.bool() & none_kept)
        weights = keep.to(stacked.dtype)
        weights = weights / weights.sum(0, keepdim=True)
        return (stacked * weights.view(count, batch, *([1] * (stacked.ndim - 2)))).sum(0)

    def extra_repr(self) -> str:
        return f"p={self.p}"


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
