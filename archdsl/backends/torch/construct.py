"""Constructing modules initialised as the spec says.

Parameters the spec's `init:` rules set get the named `torch.nn.init` function;
the others keep PyTorch's default (the module's `reset_parameters`). When rules
set every parameter of a module, the default initialisation is skipped rather
than computed and overwritten, which is most of the time torchvision's
constructors spend. `seeded` makes a build reproducible without touching the
caller's random state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from archdsl.backends.torch.table import Make
from archdsl.errors import BackendError
from archdsl.ops import Weight
from archdsl.spec.init import SEEDS, SKIP_DEFAULT_FROM, Initializer


def construct(make: Make, plan: dict[str, Initializer], expected: dict[str, Weight]) -> nn.Module:
    """Build `make`'s module and initialise its parameters by `plan` (name → initializer)."""
    trainable = [name for name, w in expected.items() if w.trainable]
    numel = sum(w.numel for w in expected.values() if w.trainable)
    if trainable and all(name in plan for name in trainable) and numel >= SKIP_DEFAULT_FROM:
        module = _uninitialised(make)
    else:
        module = make.build()
    for name, init in plan.items():
        apply_initializer(init, module.get_parameter(name))
    return module


def _uninitialised(make: Make) -> nn.Module:
    """The module with allocated but unset parameters and default buffers."""
    module = make.cls(**make.kwargs, device="meta")
    module._apply(lambda t: torch.empty(t.shape, dtype=t.dtype))
    if hasattr(module, "reset_running_stats"):
        module.reset_running_stats()
    return module


def apply_initializer(init: Initializer, tensor: torch.Tensor) -> None:
    """Fill `tensor` in place with `torch.nn.init.<name>_(tensor, **args)`."""
    getattr(nn.init, f"{init.name}_")(tensor, **init.kwargs)


@contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Draw from a CPU generator seeded with `seed` (the caller's RNG state is restored);
    with None, from the global generator as usual."""
    if seed is None:
        yield
        return
    if not isinstance(seed, int) or isinstance(seed, bool) or seed not in SEEDS:
        raise BackendError(f"seed {seed!r} is not an integer from -2**63 to 2**64 - 1")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
