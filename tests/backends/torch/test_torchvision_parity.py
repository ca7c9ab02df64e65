"""Parity with torchvision for every library spec that names its torchvision counterpart.

For each such spec: the built module's state_dict has torchvision's keys and
shapes in torchvision's order, torchvision's weights load with strict=True, the
outputs agree in eval mode (and in train mode, dropout aside, for the auxiliary
heads), the parameter counts agree, and the initial weights follow torchvision's
initialisation (per-tensor statistics; constants exactly). A new spec with a
`torchvision:` entry joins these tests by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import torch
import torchvision

import archdsl
from archdsl.backends.torch.examples import example_inputs
from archdsl.errors import ArchdslError
from archdsl.limits import DEFAULT_LIMITS
from archdsl.spec.library import library_names, library_root
from archdsl.spec.loader import load_spec


def _with_torchvision() -> list[str]:
    names = []
    for name in library_names():
        try:
            if load_spec(str(library_root() / f"{name}.yaml"), DEFAULT_LIMITS).torchvision is None:
                continue
        except ArchdslError:
            pass  # a spec that does not load fails below, in the fixture, with its message
        names.append(name)
    return names


@dataclass
class Stats:
    """Per-tensor statistics of an initial weight."""

    numel: int
    constant: float | None
    mean: float
    std: float
    mad_ratio: float
    """E|x − mean| / std: 0.80 for a normal distribution, 0.87 for a uniform one."""


def stats(module: torch.nn.Module) -> dict[str, Stats]:
    found = {}
    with torch.no_grad():
        for name, t in module.named_parameters():
            t = t.flatten()
            low, high = t.aminmax()
            std, mean = torch.std_mean(t) if t.numel() > 1 else (torch.zeros(()), t.mean())
            mad = (t - mean).abs().mean() / std if std > 0 else torch.zeros(())
            constant = low.item() if low == high else None
            found[name] = Stats(t.numel(), constant, mean.item(), std.item(), mad.item())
    return found


@dataclass
class Pair:
    model: archdsl.Model
    ours: torch.fx.GraphModule
    theirs: torch.nn.Module
    ours_init: dict[str, Stats]
    theirs_init: dict[str, Stats]
    load_error: str | None


def _load_small(name: str) -> archdsl.Model:
    """The spec at about a third of its image size (at least 64) when it accepts that with the
    same parameters: the same weights run the same computation, in a ninth of the time."""
    model = archdsl.load(name)
    small = {n: (t.shape[1], *(max(64, int(d) // 3) for d in t.shape[2:])) for n, t in model.graph.inputs.items()
             if t.rank == 4}
    try:
        reduced = archdsl.load(name, input_shapes=small)
    except ArchdslError:
        return model  # e.g. Inception-v3's auxiliary head needs the full 299×299
    return reduced if reduced.analyze().totals.params == model.analyze().totals.params else model


@pytest.fixture(scope="module", params=_with_torchvision())
def pair(request: pytest.FixtureRequest) -> Pair:
    model = _load_small(request.param)
    ref = model.spec.torchvision
    assert ref is not None
    torch.manual_seed(0)
    theirs = torchvision.models.get_model(ref.model, **ref.kwargs)
    ours = model.to_torch(seed=0)
    found = Pair(model, ours, theirs, stats(ours), stats(theirs), None)
    try:
        ours.load_state_dict(theirs.state_dict(), strict=True)
    except RuntimeError as exc:
        found.load_error = str(exc)
    return found


def test_state_dict_keys_and_shapes_in_torchvisions_order(pair: Pair) -> None:
    ours = [(k, tuple(v.shape)) for k, v in pair.ours.state_dict().items()]
    theirs = [(k, tuple(v.shape)) for k, v in pair.theirs.state_dict().items()]
    assert ours == theirs


def test_torchvision_weights_load_strictly(pair: Pair) -> None:
    assert pair.load_error is None


def test_parameter_counts(pair: Pair) -> None:
    theirs = sum(p.numel() for p in pair.theirs.parameters())
    assert sum(p.numel() for p in pair.ours.parameters()) == theirs
    assert pair.model.analyze().totals.params == theirs


def _outputs(result: Any) -> list[torch.Tensor]:
    if isinstance(result, torch.Tensor):
        return [result]
    return list(result.values() if isinstance(result, dict) else result)


def _assert_close(ours: torch.Tensor, theirs: torch.Tensor) -> None:
    scale = theirs.abs().max().item()
    assert ours.shape == theirs.shape
    assert (ours - theirs).abs().max().item() <= 1e-5 * max(scale, 1e-12)


def test_eval_outputs_match(pair: Pair) -> None:
    assert pair.load_error is None
    inputs = example_inputs(pair.model.graph, batch=1)
    pair.ours.eval()
    pair.theirs.eval()
    with torch.no_grad():
        ours, theirs = _outputs(pair.ours(*inputs.values())), _outputs(pair.theirs(*inputs.values()))
    names = list(pair.model.graph.outputs)
    evals = [i for i, o in enumerate(pair.model.graph.outputs.values()) if not o.train_only]
    assert len(ours) == len(evals)
    # torchvision returns either the eval outputs or all of them (FCN computes its aux head in eval too).
    assert len(theirs) in (len(evals), len(names))
    for position, tensor in zip(evals if len(theirs) == len(names) else range(len(evals)), ours, strict=True):
        _assert_close(tensor, theirs[position])


def test_train_outputs_match(pair: Pair) -> None:
    """Train mode, dropout off on both sides: batch statistics and the auxiliary heads."""
    if not any(o.train_only for o in pair.model.graph.outputs.values()):
        pytest.skip("no train-only outputs: eval parity covers it")
    assert pair.load_error is None
    inputs = example_inputs(pair.model.graph, batch=2)
    for module in (pair.ours, pair.theirs):
        module.train()
        for m in module.modules():
            if isinstance(m, torch.nn.Dropout):
                m.eval()
    with torch.no_grad():
        ours, theirs = _outputs(pair.ours(*inputs.values())), _outputs(pair.theirs(*inputs.values()))
    assert len(ours) == len(theirs) == len(pair.model.graph.outputs)
    for a, b in zip(ours, theirs, strict=True):
        _assert_close(a, b)


def test_initialisation_follows_torchvision(pair: Pair) -> None:
    """Same distributions as torchvision's constructor: constants exactly, the rest by statistics."""
    assert pair.ours_init.keys() == pair.theirs_init.keys()
    for name, theirs in pair.theirs_init.items():
        ours = pair.ours_init[name]
        if theirs.constant is not None:
            assert ours.constant == theirs.constant, name
            continue
        assert ours.constant is None, name
        if theirs.numel < 64:
            continue
        tolerance = 0.1 if theirs.numel >= 1000 else 0.3
        assert abs(ours.std / theirs.std - 1) <= tolerance, (name, ours.std, theirs.std)
        assert abs(ours.mean - theirs.mean) <= tolerance * theirs.std, (name, ours.mean, theirs.mean)
        if theirs.numel >= 4096:
            assert abs(ours.mad_ratio - theirs.mad_ratio) <= 0.04, (name, ours.mad_ratio, theirs.mad_ratio)
