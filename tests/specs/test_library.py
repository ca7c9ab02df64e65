"""Every library spec validates, analyses, and — with the torch backend — builds and runs a
forward pass at its default input size whose outputs have the statically inferred shapes.

Specs with a `torchvision:` counterpart run that forward pass in the torch backend's parity
tests (tests/backends/torch/test_torchvision_parity.py, at the same default size, against
torchvision's outputs), so here it runs for the others only: the suite pays for each
large forward pass once."""

from __future__ import annotations

import importlib
from math import prod

import pytest

from archdsl.tensors import BATCH, TensorType
from tests.specs.conftest import LIBRARY, TORCHVISION, model


def concrete(t: TensorType, batch: int = 1) -> tuple[int, ...]:
    return tuple(batch if d == BATCH else int(d) for d in t.shape)


def inference_outputs(name: str) -> dict[str, TensorType]:
    graph = model(name).graph
    return {key: graph.type_of(out.ref) for key, out in graph.outputs.items() if not out.train_only}


def test_the_library_is_all_there() -> None:
    assert len(LIBRARY) >= 45
    assert all(name.replace("_", "").isalnum() for name in LIBRARY)


@pytest.mark.parametrize("name", LIBRARY)
def test_spec_validates_and_analyses(name: str) -> None:
    loaded = model(name)
    analysis = loaded.analyze()
    assert loaded.spec.description and loaded.spec.paper, "every library spec says what it is and cites its paper"
    assert analysis.totals.params > 0 and analysis.totals.macs > 0
    assert inference_outputs(name), "at least one output runs at inference"
    for t in loaded.graph.types.values():
        assert all(prod(concrete(x)) > 0 for x in t)


def torch_backend() -> object:
    try:
        return importlib.import_module("archdsl.backends.torch")
    except ImportError as exc:  # pragma: no cover - depends on the installation
        pytest.skip(f"the torch backend cannot be imported: {exc}")


@pytest.mark.parametrize("name", [name for name in LIBRARY if name not in TORCHVISION])
def test_forward_pass_at_default_size(name: str) -> None:
    torch_backend()
    import torch

    loaded = model(name)
    module = loaded.to_torch(seed=0).eval()
    inputs = [
        torch.randint(0, 2, concrete(t)) if t.dtype.startswith("int") else torch.randn(concrete(t))
        for t in loaded.graph.inputs.values()
    ]
    with torch.inference_mode():
        result = module(*inputs)
    expected = inference_outputs(name)
    got = result if isinstance(result, dict) else {next(iter(expected)): result}
    assert {key: tuple(value.shape) for key, value in got.items()} == {key: concrete(t) for key, t in expected.items()}
    assert all(bool(torch.isfinite(value).all()) for value in got.values())
