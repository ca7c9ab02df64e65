"""Receptive fields: closed-form values on toy networks (Araujo, Norris & Sim,
Distill 2019), and the field of real torchvision networks measured independently
by backpropagating from one output unit and reading the gradient's support."""

from __future__ import annotations

import math

import pytest
import torch
import torchvision
from torch import nn

import archdsl

TOY = """
archdsl: 1
name: toy
inputs: {x: [1, 64, 64]}
graph:
{body}
"""


def field_of(load_text, body: str, node: str) -> dict:
    model = load_text(TOY.replace("{body}", body))
    field = model.analyze().fields.fields[node]
    assert field is not None
    axis = field[0]
    return {"size": axis.pixels, "stride": axis.stride, "start": axis.start}


@pytest.mark.parametrize(
    ("body", "size", "stride", "start"),
    [
        # r = 1 + sum (k_l - 1) prod_{i<l} s_i ; u0 = -sum p_l prod_{i<l} s_i  (Distill eqs. 2 and 6)
        ("  - a: {op: conv2d, out: 1, kernel: 3, padding: 1}\n  - b: {op: conv2d, out: 1, kernel: 3, padding: 1}", 5, 1, -2),
        ("  - a: {op: conv2d, out: 1, kernel: 3, stride: 2, padding: 1}\n  - b: {op: conv2d, out: 1, kernel: 3, stride: 2, padding: 1}", 7, 4, -3),
        ("  - b: {op: conv2d, out: 1, kernel: 3, dilation: 2, padding: 2}", 5, 1, -2),
        ("  - a: {op: maxpool2d, kernel: 2}\n  - b: {op: conv2d, out: 1, kernel: 3, padding: 1}", 6, 2, -2),
        ("  - a: {op: conv2d, out: 1, kernel: 7, stride: 2, padding: 3}\n  - b: {op: maxpool2d, kernel: 3, stride: 2, padding: 1}", 11, 4, -5),
        # transposed conv k4 s2 p1: output v reads inputs u with 2u - 1 <= v <= 2u + 2, so unit 0 sees u in {-1, 0}
        ("  - b: {op: conv_transpose2d, out: 1, kernel: 4, stride: 2, padding: 1}", 2, 0.5, -1),
        # nearest ×2: output v reads floor(v / 2), so unit 0 sees pixel 0
        ("  - b: {op: upsample, scale: 2, mode: nearest}", 1, 0.5, 0),
        # k13 s8, then a ×8 transposed conv k16: each output reads 2 units 8 pixels apart, 13 + 8
        # pixels (not 13 + 15/8 · 8 = 28); output 0 reads units -1 (outside, like padding) and 0
        ("  - a: {op: conv2d, out: 1, kernel: 13, stride: 8}\n  - b: {op: conv_transpose2d, out: 1, kernel: 16, stride: 8}", 21, 1, -8),
    ],
)
def test_toy_networks_closed_form(load_text, body: str, size: int, stride: float, start: float) -> None:
    got = field_of(load_text, body, "b")
    assert (got["size"], float(got["stride"]), float(got["start"])) == (size, stride, start)


def test_global_pool_ends_the_field(load_text) -> None:
    model = load_text(TOY.replace("{body}", "  - a: {op: conv2d, out: 2, kernel: 3}\n  - g: {op: adaptive_avgpool2d, size: 1}\n  - f: {op: flatten}\n  - fc: {op: linear, out: 3}"))
    fields = model.analyze().fields.fields
    assert fields["a"] is not None and fields["g"] is None and fields["fc"] is None


def test_misaligned_branches_warn(load_text) -> None:
    body = (
        "  - a: {op: conv2d, out: 1, kernel: 3, padding: 1}\n"
        "  - b: {op: conv2d, from: x, out: 1, kernel: 3, padding: 0}\n"
        "  - c: {op: pad, from: b, pads: [2, 0, 2, 0]}\n"
        "  - m: {op: add, from: [a, c]}"
    )
    warnings = load_text(TOY.replace("{body}", body)).analyze().fields.warnings
    assert [w.node for w in warnings] == ["m"]
    assert "misaligned" in warnings[0].message


def measured_field(net: nn.Module, channels: int, size: int, unit: int) -> tuple[int, int]:
    """First and last input row that output unit (unit, unit) depends on."""
    x = torch.ones(1, channels, size, size, requires_grad=True)
    net(x)[0, :, unit, unit].sum().backward()
    rows = torch.nonzero(x.grad.abs().sum(dim=(0, 1, 3)))
    return int(rows.min()), int(rows.max())


def positive(net: nn.Module) -> nn.Module:
    """All-positive conv weights and avg pooling instead of max, so every path carries gradient."""
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, nn.Conv2d):
                module.weight.abs_().add_(0.01)
    for module in list(net.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.MaxPool2d):
                setattr(module, child_name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding, ceil_mode=child.ceil_mode))
    return net.eval()


def check(archdsl_name: str, node: str, trunk: nn.Module) -> None:
    axis = archdsl.load(archdsl_name).analyze().fields.fields[node][0]
    stride, start, size = int(axis.stride), int(axis.start), axis.pixels
    unit = math.ceil(-start / stride) + 1
    first = start + unit * stride
    image = (first + size + 2 * stride) // 32 * 32 + 64
    assert measured_field(positive(trunk), 3, image, unit) == (first, first + size - 1)


def test_resnet18_field_matches_gradient_support() -> None:
    tv = torchvision.models.resnet18()
    trunk = nn.Sequential(tv.conv1, tv.bn1, tv.relu, tv.maxpool, tv.layer1, tv.layer2, tv.layer3)
    check("resnet18", "layer3.1.relu2", trunk)


def test_googlenet_field_matches_gradient_support() -> None:
    tv = torchvision.models.googlenet(aux_logits=False, init_weights=False)
    trunk = nn.Sequential(tv.conv1, tv.maxpool1, tv.conv2, tv.conv3, tv.maxpool2, tv.inception3a, tv.inception3b,
                          tv.maxpool3, tv.inception4a)
    check("googlenet", "inception4a.cat", trunk)


def test_a_global_gate_keeps_the_local_field(load_text) -> None:
    body = (
        "  - a: {op: conv2d, out: 2, kernel: 3, padding: 1}\n"
        "  - squeeze: {op: adaptive_avgpool2d, size: 1}\n"
        "  - gate: {op: sigmoid}\n"
        "  - scaled: {op: mul, from: [a, gate]}"
    )
    fields = load_text(TOY.replace("{body}", body)).analyze().fields.fields
    assert fields["gate"] is None
    assert fields["scaled"] == fields["a"]


ROW = """
archdsl: 1
name: row
inputs: {x: [1, 1, 300]}
graph:
"""


@pytest.mark.parametrize("body", [
    "  - down: {op: conv2d, out: 1, kernel: [1, 13], stride: [1, 8]}\n"
    "  - up: {op: conv_transpose2d, out: 1, kernel: [1, 16], stride: [1, 8], bias: false}",
    "  - down: {op: conv2d, out: 1, kernel: [1, 13], stride: [1, 8]}\n  - up: {op: upsample, scale: [1, 8], mode: bilinear}",
    "  - down: {op: conv2d, out: 1, kernel: [1, 3], stride: [1, 2], padding: [0, 1]}\n"
    "  - up: {op: conv_transpose2d, out: 1, kernel: [1, 3], stride: [1, 2], padding: [0, 1], bias: false}\n"
    "  - mix: {op: conv2d, out: 1, kernel: [1, 3], padding: [0, 1]}\n  - up2: {op: upsample, scale: [1, 2]}\n"
    "  - out: {op: conv2d, out: 1, kernel: [1, 5], padding: [0, 2]}",
    "  - a: {op: conv2d, out: 1, kernel: [1, 3], stride: [1, 2]}\n  - up: {op: upsample, scale: [1, 3], mode: nearest}\n"
    "  - b: {op: conv2d, from: x, out: 1, kernel: [1, 5], stride: [1, 2], padding: [0, 1]}\n"
    "  - upb: {op: upsample, scale: [1, 3], mode: nearest}\n  - join: {op: add, from: [up, upb]}",
])
def test_fields_past_fractional_strides_match_gradient_support(load_text, body: str) -> None:
    """Every output unit's field, unit by unit, against the support of its gradient (all-positive
    weights, so no path cancels); units whose field reaches past the input's edge are skipped."""
    model = load_text(ROW + body)
    last = list(model.graph.nodes)[-1]
    axis = model.analyze().fields.fields[last][1]
    net = model.to_torch(seed=0).eval()
    with torch.no_grad():
        for name, tensor in net.state_dict().items():
            tensor.copy_(torch.rand_like(tensor) + 0.1 if name.endswith("weight") else torch.zeros_like(tensor))
    width = model.graph.types[last][0].shape[-1]
    checked = 0
    for unit in range(width):
        first, end = axis.first(unit), axis.last(unit)
        if first < 0 or end > 299:
            continue
        x = torch.ones(1, 1, 1, 300, requires_grad=True)
        net(x)[0, 0, 0, unit].backward()
        columns = torch.nonzero(x.grad[0, 0, 0]).flatten()
        assert (int(columns.min()), int(columns.max())) == (first, end), f"unit {unit}"
        checked += 1
    assert checked > 2 * axis.period


def test_the_period_stays_within_the_output_under_repeated_odd_scales(load_text) -> None:
    """×1.25 twelve times would make a period of 5^12 units (analysis would never end); it is
    bounded by the output's size, whose every unit keeps its own field."""
    model = load_text("""
archdsl: 1
name: geo
inputs: {x: [1, 16, 16]}
graph:
  - repeat: 12
    graph:
      - {op: upsample, scale: 1.25}
      - {op: conv2d, out: 1, kernel: 3, padding: 1}
""")
    fields = model.analyze().fields.fields
    for name, field in fields.items():
        for axis, size in zip(field or (), model.graph.types[name][0].shape[2:], strict=False):
            assert axis.period <= size
