"""Library specs without a torchvision counterpart, against the hand-written references in
reference_models.py and the figures their papers publish: parameter count, output shape and
MACs (FlopCounterMode on the meta device at the spec's default input), and — with the torch
backend — equal outputs once the reference's weights are copied into the built module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import archdsl
from tests.specs import reference_models as ref
from tests.specs.conftest import model
from tests.specs.test_library import concrete, torch_backend


@dataclass(frozen=True)
class Case:
    build: Callable[[], nn.Module]
    compare_at: tuple[int, ...] | None = None
    """Input shape (batch 1) for the equal-outputs check; None skips it (too slow for CI)."""
    extra_macs: int = 0
    count_at: tuple[int, ...] | None = None
    """Input shape (batch 1) for counting, where the default size is needlessly slow on the meta device."""
    forward: bool = True
    """Run the reference (on the meta device) for output shape and MACs, not just its parameters."""
    """MACs our spec counts that the reference does element-wise (FlopCounterMode skips those)."""
    published: dict[str, float] = field(default_factory=dict)
    """Figures from the paper: exact `params`, or `params_m` / `macs_m` in millions, compared at the paper's precision."""


CASES: dict[str, Case] = {
    "lenet5": Case(ref.LeNet5, (1, 1, 32, 32), published={"params": 61_706}),
    # S2 and S4 scale each map by a coefficient: element-wise in the reference, a depthwise
    # 1×1 conv in the spec (6·14·14 + 16·5·5 MACs). 60,000 trainable parameters in the paper
    # (Section II.B), plus 850 for our linear output layer in place of the fixed RBF units.
    "lenet5_1998": Case(ref.LeNet5Original, (1, 1, 32, 32), extra_macs=6 * 14 * 14 + 16 * 5 * 5, published={"params": 60_000 + 850}),
    "alexnet_original": Case(ref.AlexNetTwoTower, (1, 3, 227, 227), published={"params": 60_965_224}),
    "zfnet": Case(ref.ZFNet, (1, 3, 224, 224)),
    "nin": Case(ref.NiN, (1, 3, 32, 32)),
    # Howard et al. 2017, Table 8: 1.0 MobileNet-224 has 4.2M parameters and 569M mult-adds.
    "mobilenet_v1": Case(ref.MobileNetV1, (1, 3, 224, 224), published={"params_m": 4.2, "macs_m": 569}),
    "yolov1": Case(ref.YOLOv1),
    # The meta device runs recurrent layers step by step: count over 16 tokens, not 200.
    "rnn_classifier": Case(lambda: ref.RecurrentClassifier("rnn", 1, False), (1, 200), count_at=(1, 16)),
    "gru_classifier": Case(lambda: ref.RecurrentClassifier("gru", 2, True), (1, 200), count_at=(1, 16)),
    "lstm_classifier": Case(lambda: ref.RecurrentClassifier("lstm", 2, True), (1, 200), count_at=(1, 16)),
    # He et al. 2016b, Table 3: ResNet-164 has 1.7M parameters (ResNet-1001: 10.2M, which
    # matches its conv and FC weights; with BatchNorm's 0.15M it is 10.3M, as here).
    "preact_resnet164": Case(lambda: ref.PreActResNet(164), (1, 3, 32, 32), published={"params_m": 1.7}),
    # The same network as ResNet-164 with 111 units per stage, not 18: parameters only, as the
    # meta device takes ~10 s over its 3,000 modules.
    "preact_resnet1001": Case(lambda: ref.PreActResNet(1001), forward=False),
    # He et al. 2016, Table 6: ResNet-110 on CIFAR-10 has 1.7M parameters.
    "resnet110_stochastic_depth": Case(ref.StochasticDepthResNet, (1, 3, 32, 32), published={"params_m": 1.7}),
    "fractalnet": Case(ref.FractalNet, (1, 3, 32, 32)),
    # 196 instead of 572: odd crop margins (floor, as in the reference) at a CI-friendly cost.
    "unet": Case(ref.UNet, (1, 1, 196, 196)),
    # Long et al. 2015, Table 1: FCN-VGG16 has 134M parameters, not counting the final
    # upsampling fixed to bilinear interpolation (FCN-32s's 64×64 one has 1.8M more).
    "fcn32s": Case(lambda: ref.FCN(32)),
    "fcn8s": Case(lambda: ref.FCN(8), (1, 3, 32, 32), published={"params_m": 134}),
}


def sample(shape: tuple[int, ...], dtype: str = "float32", device: str = "cpu") -> torch.Tensor:
    if dtype.startswith("int"):
        return torch.randint(0, 20000, shape, device=device)
    return torch.randn(shape, device=device)


def spec_name(name: str) -> str:
    (input_name,) = model(name).graph.inputs
    return input_name


def spec_input(name: str) -> tuple[tuple[int, ...], str]:
    (t,) = model(name).graph.inputs.values()
    return concrete(t), t.dtype


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_reference_params_shape_macs(name: str) -> None:
    case = CASES[name]
    shape, dtype = spec_input(name)
    ours = model(name) if case.count_at is None else archdsl.load(name, input_shapes={spec_name(name): case.count_at[1:]})
    with torch.device("meta"):
        net = case.build().eval()
        assert ours.analyze().totals.params == sum(p.numel() for p in net.parameters())
        if not case.forward:
            return
        with FlopCounterMode(display=False) as counter:
            out = net(sample(case.count_at or shape, dtype, "meta"))
    expected = [concrete(ours.graph.type_of(o.ref)) for o in ours.graph.outputs.values() if not o.train_only]
    assert expected == [tuple(out.shape)]
    assert ours.analyze().totals.macs == counter.get_total_flops() // 2 + case.extra_macs


@pytest.mark.parametrize("name", sorted(n for n in CASES if CASES[n].published))
def test_matches_published_figures(name: str) -> None:
    totals, figures = model(name).analyze().totals, CASES[name].published
    if "params" in figures:
        assert totals.params == figures["params"]
    for key, total in (("params_m", totals.params), ("macs_m", totals.macs)):
        if key in figures:
            digits = len(str(figures[key]).partition(".")[2]) if isinstance(figures[key], float) else 0
            assert round(total / 1e6, digits) == figures[key]


# -- equal outputs: the reference's weights copied into the built module -----------------


def copy_in_order(ours: dict[str, torch.Tensor], theirs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Pair state_dict entries by position; their shapes must agree one by one."""
    assert [tuple(v.shape) for v in ours.values()] == [tuple(v.shape) for v in theirs.values()]
    return dict(zip(ours, theirs.values(), strict=True))


def lenet_1998_weights(ours: dict[str, torch.Tensor], net: ref.LeNet5Original) -> dict[str, torch.Tensor]:
    """C3's sixteen small convs stacked into the spec's three grouped convs; S-layer sums × coefficient = 4 × average × coefficient."""
    convs = [net.c3[j] for j in range(16)]
    return {
        "c1.weight": net.c1.weight, "c1.bias": net.c1.bias,
        "s2.scale.weight": 4 * net.s2.coefficient.view(6, 1, 1, 1), "s2.scale.bias": net.s2.bias,
        "c3_3.weight": torch.cat([c.weight for c in convs[:6]]), "c3_3.bias": torch.cat([c.bias for c in convs[:6]]),
        "c3_4.weight": torch.cat([c.weight for c in convs[6:15]]), "c3_4.bias": torch.cat([c.bias for c in convs[6:15]]),
        "c3_6.weight": convs[15].weight, "c3_6.bias": convs[15].bias,
        "s4.scale.weight": 4 * net.s4.coefficient.view(16, 1, 1, 1), "s4.scale.bias": net.s4.bias,
        "c5.weight": net.c5.weight, "c5.bias": net.c5.bias,
        "f6.weight": net.f6.weight, "f6.bias": net.f6.bias, "output.weight": net.output.weight, "output.bias": net.output.bias,
    }  # fmt: skip


def alexnet_weights(ours: dict[str, torch.Tensor], net: ref.AlexNetTwoTower) -> dict[str, torch.Tensor]:
    """The two towers' filters, stacked: exactly the spec's grouped (groups=2) and dense convs."""
    found = {}
    for k in range(1, 6):
        towers = getattr(net, f"conv{k}")
        found[f"conv{k}.weight"] = torch.cat([t.weight for t in towers])
        found[f"conv{k}.bias"] = torch.cat([t.bias for t in towers])
    for name, layer in zip(("fc6", "fc7", "fc8"), net.fc[::2], strict=True):
        found[f"{name}.weight"], found[f"{name}.bias"] = layer.weight, layer.bias
    return found


def fractal_names(prefix: str, columns: int, level: int) -> dict[tuple[int, int], str]:
    """Where the column form's conv (level, column) sits in the spec's unrolled recursion:
    `chain.k` is a fractal of columns − 1 − k columns on the next levels, `shallow` is the
    shallowest column and `deep.j` column columns − 2 − j, both on the block's last level."""
    last = level + 2 ** (columns - 1) - 1
    found = {(last, columns - 1): f"{prefix}shallow.conv"}
    for k in range(columns - 1):
        found.update(fractal_names(f"{prefix}chain.{k}.", columns - 1 - k, level))
        level += 2 ** (columns - 2 - k)
        found[(last, columns - 2 - k)] = f"{prefix}deep.{k}.0.conv"
    return found


def fractal_weights(ours: dict[str, torch.Tensor], net: ref.FractalNet) -> dict[str, torch.Tensor]:
    found = {"fc.weight": net.fc.weight, "fc.bias": net.fc.bias}
    for b in range(len(net.channels)):
        for (i, j), name in fractal_names(f"block{b + 1}.", net.columns, 0).items():
            conv, bn = net.convs[f"{b}_{i}_{j}"]
            found[f"{name}.weight"] = conv.weight
            for key, value in bn.state_dict().items():
                found[f"{name.removesuffix('.conv')}.bn.{key}"] = value
    return found


MAPPINGS: dict[str, Callable[[dict[str, torch.Tensor], nn.Module], dict[str, torch.Tensor]]] = {
    "lenet5_1998": lenet_1998_weights,  # type: ignore[dict-item]
    "alexnet_original": alexnet_weights,  # type: ignore[dict-item]
    "fractalnet": fractal_weights,  # type: ignore[dict-item]
}


@pytest.mark.parametrize("name", sorted(n for n in CASES if CASES[n].compare_at))
def test_outputs_equal_the_reference(name: str) -> None:
    torch_backend()
    case = CASES[name]
    assert case.compare_at is not None
    torch.manual_seed(0)
    net = case.build().eval()
    for module in net.modules():  # non-trivial BatchNorm statistics
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    loaded = archdsl.load(name, input_shapes={spec_name(name): case.compare_at[1:]})
    ours = loaded.to_torch(seed=0).eval()
    mapping = MAPPINGS.get(name)
    state = ours.state_dict()
    weights = mapping(state, net) if mapping else copy_in_order(state, net.state_dict())
    ours.load_state_dict(weights, strict=True)
    x = sample(case.compare_at, spec_input(name)[1])
    with torch.inference_mode():
        torch.testing.assert_close(ours(x), net(x), rtol=1e-4, atol=1e-4)
