"""Example inputs: random tensors of a graph's input types, for checks, export and benchmarks."""

from __future__ import annotations

import torch

from archdsl.ir.graph import Graph
from archdsl.tensors import BATCH


def example_inputs(graph: Graph, batch: int = 1, device: str | torch.device = "cpu", seed: int = 0) -> dict[str, torch.Tensor]:
    """A tensor per graph input (by name), batch axis `batch`; integer inputs index every
    embedding table they feed. Drawn from a private generator: the caller's RNG is untouched."""
    generator = torch.Generator().manual_seed(seed)
    readers = graph.consumers()
    found: dict[str, torch.Tensor] = {}
    for name, t in graph.inputs.items():
        shape = tuple(batch if d == BATCH else int(d) for d in t.shape)
        dtype = getattr(torch, t.dtype)
        if dtype == torch.bool:
            value = torch.randint(0, 2, shape, generator=generator).bool()
        elif not dtype.is_floating_point:
            tables = [getattr(graph.nodes[r].attrs, "num", None) for r in readers[name]]
            high = min((n for n in tables if isinstance(n, int)), default=2)
            value = torch.randint(0, high, shape, generator=generator, dtype=dtype)
        else:
            value = torch.randn(shape, generator=generator).to(dtype)
        found[name] = value.to(device)
    return found
