"""Training a built spec on existing engines: DDP and FSDP2, 2 ranks, gloo, CPU (one spawn for both)."""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

STEPS = 3


def _steps(module: torch.nn.Module, rank: int) -> None:
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1, momentum=0.9)
    for step in range(STEPS):
        generator = torch.Generator().manual_seed(1000 * rank + step)  # each rank its own data
        x = torch.randn(8, 1, 32, 32, generator=generator)
        y = torch.randint(0, 10, (8,), generator=generator)
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(module(x), y).backward()
        optimizer.step()


def _train(rank: int, world: int, store: str, out: str) -> None:
    from torch.distributed.fsdp import fully_shard
    from torch.distributed.tensor import DTensor

    import archdsl

    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    try:
        torch.manual_seed(100 + rank)  # each rank builds different weights: DDP must broadcast rank 0's
        model = archdsl.load("lenet5").to_torch()
        initial = {k: v.clone() for k, v in model.state_dict().items()}
        _steps(torch.nn.parallel.DistributedDataParallel(model), rank)
        sharded = archdsl.load("lenet5").to_torch(seed=0)  # the same seed on every rank
        sharded_initial = {k: v.clone() for k, v in sharded.state_dict().items()}
        # The generated forward calls leaf modules, so an FSDP unit is a list of them.
        fully_shard([sharded.conv1, sharded.conv2])
        fully_shard(sharded)
        _steps(sharded, rank)
        full = {k: v.full_tensor() if isinstance(v, DTensor) else v for k, v in sharded.state_dict().items()}
        torch.save({"ddp": (initial, model.state_dict()), "fsdp": (sharded_initial, full)}, os.path.join(out, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


def test_ddp_and_fsdp_ranks_keep_identical_parameters(tmp_path: Path) -> None:
    mp.spawn(_train, args=(2, str(tmp_path / "store"), str(tmp_path)), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    for engine in ("ddp", "fsdp"):
        (initial, final0), (_, final1) = ranks[0][engine], ranks[1][engine]
        assert list(final0) == list(initial)
        for key in final0:
            assert torch.equal(final0[key], final1[key]), (engine, key)
            assert not torch.equal(final0[key], initial[key]), f"{engine}: {key} did not train"
    # rank 1 built other weights for DDP; DDP started it from rank 0's, and training moved both.
    assert not torch.equal(ranks[1]["ddp"][0]["conv1.weight"], ranks[0]["ddp"][0]["conv1.weight"])
