"""Training a built spec on an existing engine: DistributedDataParallel, 2 ranks, gloo, CPU."""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

STEPS = 3


def _train(rank: int, world: int, store: str, out: str) -> None:
    import archdsl

    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    try:
        torch.manual_seed(100 + rank)  # each rank builds different weights: DDP must broadcast rank 0's
        model = archdsl.load("lenet5").to_torch()
        initial = {k: v.clone() for k, v in model.state_dict().items()}
        ddp = torch.nn.parallel.DistributedDataParallel(model)
        optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
        for step in range(STEPS):
            generator = torch.Generator().manual_seed(1000 * rank + step)  # each rank its own data
            x = torch.randn(8, 1, 32, 32, generator=generator)
            y = torch.randint(0, 10, (8,), generator=generator)
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(ddp(x), y).backward()
            optimizer.step()
        torch.save({"initial": initial, "final": model.state_dict()}, os.path.join(out, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


def test_ddp_two_ranks_keep_identical_parameters(tmp_path: Path) -> None:
    mp.spawn(_train, args=(2, str(tmp_path / "store"), str(tmp_path)), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2)]
    final0, final1 = ranks[0]["final"], ranks[1]["final"]
    assert list(final0) == list(final1)
    for key in final0:
        assert torch.equal(final0[key], final1[key]), key
        assert not torch.equal(final0[key], ranks[0]["initial"][key]), f"{key} did not train"
    # rank 1 built other weights; DDP started it from rank 0's, and training moved both.
    assert not torch.equal(ranks[1]["initial"]["conv1.weight"], ranks[0]["initial"]["conv1.weight"])
