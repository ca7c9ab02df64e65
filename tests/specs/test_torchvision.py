"""Every spec with a `torchvision:` counterpart equals it: parameter count, state_dict
keys and shapes (from the op definitions, no torch backend involved), MACs at
torchvision's evaluation size, and that size itself.

torchvision's models are built on the meta device: shapes and FlopCounterMode's
counts without allocating or initialising weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pytest
import torch
import torchvision
from torch.utils.flop_counter import FlopCounterMode

from archdsl.ops import OPS
from tests.specs.conftest import TORCHVISION, model, torchvision_ref


@dataclass(frozen=True)
class Reference:
    params: int
    state: dict[str, tuple[int, ...]]
    macs: int
    eval_size: tuple[int, ...]


def eval_size(name: str) -> tuple[int, ...]:
    """C×H×W of torchvision's evaluation transform for the model's default weights."""
    transforms = torchvision.models.get_model_weights(name).DEFAULT.transforms()
    side = getattr(transforms, "crop_size", None) or transforms.resize_size
    return (3, side[0], side[0])


@cache
def reference(name: str) -> Reference:
    ref = torchvision_ref(name)
    assert ref is not None
    size = eval_size(ref.model)
    with torch.device("meta"):
        net = torchvision.models.get_model(ref.model, **ref.kwargs).eval()
        params = sum(p.numel() for p in net.parameters())
        state = {key: tuple(value.shape) for key, value in net.state_dict().items()}
        if getattr(net, "aux_classifier", None) is not None:
            # Segmentation models compute their auxiliary head even in eval mode; it only
            # feeds the training loss, so our specs mark it train_only and we count without it.
            net.aux_classifier = None
        with FlopCounterMode(display=False) as counter:
            net(torch.empty(1, *size))
    return Reference(params, state, counter.get_total_flops() // 2, size)


def our_state(name: str) -> dict[str, tuple[int, ...]]:
    """state_dict keys and shapes as the op definitions name them, in schedule order."""
    graph = model(name).graph
    return {
        f"{node.name}.{key}": weight.shape
        for node in graph
        for key, weight in OPS[node.op].weights(node.attrs, graph.input_types(node)).items()
    }


@pytest.mark.parametrize("name", TORCHVISION)
def test_params(name: str) -> None:
    assert model(name).analyze().totals.params == reference(name).params


@pytest.mark.parametrize("name", TORCHVISION)
def test_state_dict_keys_and_shapes(name: str) -> None:
    ours, theirs = our_state(name), reference(name).state
    assert sorted(ours.keys() - theirs.keys()) == [] and sorted(theirs.keys() - ours.keys()) == []
    assert ours == theirs
    assert list(ours) == list(theirs), "state_dict order differs from torchvision's"


@pytest.mark.parametrize("name", TORCHVISION)
def test_macs_at_eval_size(name: str) -> None:
    shape = model(name).graph.inputs
    assert [tuple(t.shape[1:]) for t in shape.values()] == [reference(name).eval_size]
    assert model(name).analyze().totals.macs == reference(name).macs
