"""BatchNorm folding's weight arithmetic against PyTorch's own (torch.nn.utils.fusion)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

from archdsl.backends.onnx.weight_rewrites import SCALE_OUTPUTS, apply_weight_rewrites
from archdsl.ops import OPS
from archdsl.passes import FoldBatchNorm


def randomised(module: nn.Module, seed: int) -> nn.Module:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for value in module.state_dict().values():
            if value.is_floating_point():
                value.copy_(torch.rand(value.shape, generator=generator) + 0.5)
    return module.eval()


CASES = {
    "conv1d": (lambda bias, groups: nn.Conv1d(4, 6, 3, groups=groups, bias=bias), nn.BatchNorm1d, (2, 4, 9)),
    "conv2d": (lambda bias, groups: nn.Conv2d(4, 6, 3, groups=groups, bias=bias), nn.BatchNorm2d, (2, 4, 7, 9)),
    "conv_transpose2d": (lambda bias, groups: nn.ConvTranspose2d(4, 6, 3, groups=groups, bias=bias), nn.BatchNorm2d, (2, 4, 7, 9)),
    "linear": (lambda bias, groups: nn.Linear(4, 6, bias=bias), nn.BatchNorm1d, (2, 4)),
}


def fold(op: str, layer: nn.Module, norm: nn.Module, bias: bool) -> dict[str, np.ndarray]:
    weights = {f"p.{k}": v.numpy() for k, v in layer.state_dict().items()}
    weights |= {f"bn.{k}": v.numpy() for k, v in norm.state_dict().items()}
    folded = apply_weight_rewrites(weights, [FoldBatchNorm("p", op, "bn", norm.eps, True, bias, getattr(layer, "groups", 1))])
    assert sorted(folded) == ["p.bias", "p.weight"] and "bn.running_mean" in weights  # the input is untouched
    assert folded["p.weight"].dtype == np.float32
    return folded


def test_every_foldable_producer_has_its_arithmetic() -> None:
    producers = {name for name, op in OPS.items() if op.folds_norms}
    assert producers == set(CASES)
    assert {OPS[name].weight_layout for name in producers} <= set(SCALE_OUTPUTS)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("op", sorted(CASES))
def test_folding_matches_torch_fusion(op: str, bias: bool) -> None:
    """Against torch.nn.utils.fusion (which handles ungrouped layers only)."""
    make, norm_class, _ = CASES[op]
    layer, norm = randomised(make(bias, 1), 1), randomised(norm_class(6, eps=0.01), 2)
    fused = (fuse_linear_bn_eval if op == "linear" else fuse_conv_bn_eval)(
        layer, norm, **({"transpose": True} if op == "conv_transpose2d" else {}))
    folded = fold(op, layer, norm, bias)
    np.testing.assert_allclose(folded["p.weight"], fused.weight.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(folded["p.bias"], fused.bias.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("op", sorted(CASES))
def test_folded_layer_computes_layer_then_batchnorm(op: str) -> None:
    """Grouped layers too: the folded layer's output is the BatchNorm of the original's."""
    make, norm_class, shape = CASES[op]
    layer, norm = randomised(make(False, 2), 3), randomised(norm_class(6, eps=0.001), 4)
    folded = fold(op, layer, norm, False)
    fused = make(True, 2).eval()
    fused.load_state_dict({"weight": torch.from_numpy(folded["p.weight"]), "bias": torch.from_numpy(folded["p.bias"])})
    x = torch.randn(shape, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        torch.testing.assert_close(fused(x), norm(layer(x)), rtol=1e-5, atol=1e-5)
