"""`diff_models` on small specs against figures worked out by hand, and on torchvision's
ResNet variants against torchvision's own modules."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
import torch
import torchvision
from torch.utils.flop_counter import FlopCounterMode

import archdsl
from archdsl.diff import diff_models

SMALL = """\
archdsl: 1
name: small
params: {width: 8}
inputs: {x: [3, 16, 16]}
graph:
  - stem: {op: conv2d, out: "${width}", kernel: 3, padding: 1, bias: false}
  - body:
      graph:
        - conv: {op: conv2d, out: "${width}", kernel: 3, padding: 1}
        - act: {op: relu}
  - pool: {op: maxpool2d, kernel: 2, stride: 2}
  - head: {op: conv2d, out: 4, kernel: 1}
"""

REWIRED = """\
archdsl: 1
name: rewired
inputs: {x: [3, 16, 16]}
graph:
  - stem: {op: conv2d, out: 8, kernel: 3, padding: 1, bias: false}
  - body:
      graph:
        - conv: {op: conv2d, out: 8, kernel: 3, padding: 1}
        - act: {op: gelu}
        - extra: {op: conv2d, out: 8, kernel: 1}
  - head: {op: conv2d, out: 4, kernel: 1}
"""


def test_one_spec_under_two_widths(write_spec: Callable[..., Path]) -> None:
    path = write_spec(SMALL)
    diff = diff_models(archdsl.load(path), archdsl.load(path, width=16))
    assert (diff.a.label, diff.b.label) == ("small (width=8)", "small (width=16)")
    scopes = {s.name: s for s in diff.scopes}
    assert list(scopes) == ["x", "stem", "body", "pool", "head"]
    # stem: 3·9·w weights, 16·16·w·27 MACs; body.conv: w·w·9 + w params, 16·16·w·9w MACs
    assert (scopes["stem"].params.a, scopes["stem"].params.b) == (216, 432)
    assert (scopes["stem"].macs.a, scopes["stem"].macs.b) == (55_296, 110_592)
    assert (scopes["body"].params.a, scopes["body"].params.delta) == (584, 2320 - 584)
    assert (scopes["body"].macs.a, scopes["body"].macs.b) == (147_456, 589_824)
    # body writes two w×16×16 float32 maps (conv, relu)
    assert (scopes["body"].activation_bytes.a, scopes["body"].activation_bytes.b) == (16_384, 32_768)
    assert scopes["head"].status == "changed" and scopes["head"].params.delta == 16 * 4 - 8 * 4
    assert scopes["pool"].shape.b == ("N", 16, 8, 8) and scopes["pool"].rf.a == scopes["pool"].rf.b == (6, 6)
    assert scopes["x"].status == "same"
    assert (diff.totals["params"].a, diff.totals["params"].b) == (836, 2820)
    assert diff.totals["macs"].delta == (110_592 + 589_824 + 64 * 4 * 16) - (55_296 + 147_456 + 64 * 4 * 8)
    (out,) = diff.outputs
    assert (out.shape.a, out.rf.a, out.rf.b, out.rf_node.a) == (("N", 4, 8, 8), (6, 6), (6, 6), "head")
    assert [(n.name, n.status, [str(c) for c in n.changes]) for n in diff.nodes] == [
        ("stem", "changed", ["out 8 → 16", "shape N×8×16×16 → N×16×16×16", "params 216 → 432"]),
        ("body.conv", "changed", ["out 8 → 16", "shape N×8×16×16 → N×16×16×16", "params 584 → 2,320"]),
        ("body.act", "changed", ["shape N×8×16×16 → N×16×16×16"]),
        ("pool", "changed", ["shape N×8×8×8 → N×16×8×8"]),
        ("head", "changed", ["params 36 → 68"]),
    ]


def test_two_specs_with_nodes_added_removed_and_changed(write_spec: Callable[..., Path]) -> None:
    diff = diff_models(archdsl.load(write_spec(SMALL, "a.yaml")), archdsl.load(write_spec(REWIRED, "b.yaml")))
    assert [(n.name, n.status, n.summary) for n in diff.nodes] == [
        ("body.act", "changed", "op relu → gelu"),
        ("pool", "removed", "maxpool2d → N×8×8×8"),
        ("body.extra", "added", "conv2d → N×8×16×16"),
        ("head", "changed", "shape N×4×8×8 → N×4×16×16; inputs [pool] → [body.extra]"),
    ]
    scopes = {s.name: s for s in diff.scopes}
    assert [s.name for s in diff.scopes] == ["x", "stem", "body", "pool", "head"]
    assert scopes["pool"].status == "removed" and scopes["pool"].params.b is None
    assert scopes["body"].params.delta == 8 * 8 + 8
    assert scopes["head"].macs.delta == 256 * 4 * 8 - 64 * 4 * 8
    (out,) = diff.outputs
    assert (out.rf.a, out.rf.b) == ((6, 6), (5, 5))


@cache
def _torchvision(name: str) -> tuple[torch.nn.Module, dict[str, int]]:
    """The torchvision model on the meta device and its MACs per top-level child (FlopCounterMode)."""
    with torch.device("meta"):
        model = getattr(torchvision.models, name)()
        with FlopCounterMode(display=False) as counter:
            model(torch.empty(1, 3, 224, 224))
    counts = counter.get_flop_counts()
    macs = {child: sum(counts.get(f"ResNet.{child}", {}).values()) // 2 for child, _ in model.named_children()}
    return model, macs


@pytest.mark.parametrize("other", ["resnext50_32x4d", "wide_resnet50_2"])
def test_resnet50_variants_match_torchvision(other: str) -> None:
    diff = diff_models(archdsl.load("resnet50"), archdsl.load(other))
    (base, base_macs), (variant, variant_macs) = _torchvision("resnet50"), _torchvision(other)
    children = dict(variant.named_children())
    for scope in diff.scopes:
        if scope.name in children:
            expected = sum(p.numel() for p in children[scope.name].parameters()) - sum(
                p.numel() for p in dict(base.named_children())[scope.name].parameters())
            assert scope.params.delta == expected, scope.name
            assert scope.macs.delta == variant_macs[scope.name] - base_macs[scope.name], scope.name
    assert diff.totals["params"].delta == sum(p.numel() for p in variant.parameters()) - sum(
        p.numel() for p in base.parameters())
    assert diff.totals["macs"].delta == sum(variant_macs.values()) - sum(base_macs.values())
    changed = {s.name for s in diff.scopes if s.status != "same"}
    assert changed == {"layer1", "layer2", "layer3", "layer4"}
    assert not [n for n in diff.nodes if n.status != "changed"], "the same layers, only wider"
