"""Shared fixtures for the op tests: `oracle` puts archdsl's answer next to PyTorch's."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, event, settings
from hypothesis.control import currently_in_test_context

from archdsl.errors import ShapeError
from archdsl.ops import OPS
from archdsl.tensors import BATCH, TensorType

BATCH_SIZE = 2
"""The value the symbolic batch axis takes in the torch runs."""

TORCH_ERRORS = (RuntimeError, ValueError, IndexError, TypeError, NotImplementedError)

# Deterministic in CI (the same examples every run, no example database); torch's
# first call in a process is slow, so no deadline.
settings.register_profile(
    "ops",
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile("ops")


def concrete(t: TensorType, batch: int = BATCH_SIZE) -> tuple[int, ...]:
    return tuple(batch if d == BATCH else int(d) for d in t.shape)


def tensor(t: TensorType, batch: int = BATCH_SIZE, high: int = 2) -> torch.Tensor:
    """A random tensor of type `t` (integers in [0, high) for integer dtypes)."""
    shape = concrete(t, batch)
    if t.dtype.startswith("int"):
        return torch.randint(0, high, shape, dtype=getattr(torch, t.dtype))
    return torch.randn(shape, dtype=getattr(torch, t.dtype))


def flat(result: Any) -> list[torch.Tensor]:
    """Tensors of a torch result, nested tuples (LSTM's (out, (h, c))) flattened."""
    if isinstance(result, torch.Tensor):
        return [result]
    return [t for item in result for t in flat(item)]


@dataclass
class Outcome:
    """What archdsl and torch made of the same op, attributes and inputs."""

    ours: list[TensorType] | None
    theirs: list[torch.Tensor] | None
    module: torch.nn.Module | None
    attrs: Any


def run_both(
    name: str,
    attrs: dict[str, Any],
    inputs: Sequence[TensorType],
    build: Callable[[], Callable[..., Any]],
    high: int = 2,
) -> Outcome:
    """Infer with archdsl and run torch (build() makes the torch callable); assert they agree."""
    op = OPS[name]
    a = op.Attrs.model_validate(attrs)
    try:
        ours: list[TensorType] | None = op.infer(a, inputs)
    except ShapeError:
        ours = None
    fn = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn = build()
            theirs: list[torch.Tensor] | None = flat(fn(*(tensor(t, high=high) for t in inputs)))
    except TORCH_ERRORS as exc:
        theirs, error = None, exc
    if theirs is not None and any(t.numel() == 0 for t in theirs):
        theirs, error = None, "an empty output, which archdsl rejects on purpose"
    shapes = [t.shape for t in inputs]
    if currently_in_test_context():
        event("both reject" if theirs is None else "both accept")
    if theirs is None:
        assert ours is None, f"{name}{attrs} on {shapes}: torch raised {error!r}, archdsl gave {ours}"
    else:
        assert ours is not None, f"{name}{attrs} on {shapes}: archdsl raised, torch gave {[tuple(t.shape) for t in theirs]}"
        assert [concrete(t) for t in ours] == [tuple(t.shape) for t in theirs], f"{name}{attrs} on {shapes}"
        assert [t.dtype for t in ours] == [str(t.dtype).removeprefix("torch.") for t in theirs]
    return Outcome(ours, theirs, fn if isinstance(fn, torch.nn.Module) else None, a)


def assert_same_weights(name: str, attrs: Any, inputs: Sequence[TensorType], module: torch.nn.Module) -> None:
    """weights() equals the module's parameters then buffers: names, shapes, dtypes, order."""
    ours = [(k, w.shape, w.trainable, w.dtype) for k, w in OPS[name].weights(attrs, inputs).items()]
    theirs = [(k, tuple(p.shape), True, str(p.dtype).removeprefix("torch.")) for k, p in module.named_parameters()]
    theirs += [(k, tuple(b.shape), False, str(b.dtype).removeprefix("torch.")) for k, b in module.named_buffers()]
    assert ours == theirs


def torch_macs(module: Callable[..., Any], x: torch.Tensor) -> int:
    """MACs as torch.utils.flop_counter counts them (FLOPs // 2)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        module(x)
    return counter.get_total_flops() // 2


class Oracle:
    """The helpers above, as one fixture (tests/ops is not a package, so no imports)."""

    batch = BATCH_SIZE
    concrete = staticmethod(concrete)
    tensor = staticmethod(tensor)
    run_both = staticmethod(run_both)
    assert_same_weights = staticmethod(assert_same_weights)
    torch_macs = staticmethod(torch_macs)


@pytest.fixture(scope="session")
def oracle() -> Oracle:
    torch.manual_seed(0)
    return Oracle()
