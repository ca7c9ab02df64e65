"""Each lint rule on a small spec, against warnings worked out by hand (and specs it must leave alone)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import archdsl
from archdsl.lint import RULES, lint, rule_ids

PRELUDE = "archdsl: 1\ninputs: {x: [3, 8, 8]}\n"


def warnings(write_spec: Callable[..., Path], text: str) -> list[tuple[str, int, str | None, str]]:
    """(rule, line, node, message) of every warning left for the spec."""
    report = lint(archdsl.load(write_spec(text)))
    return [(f.rule, f.span.line if f.span else 0, f.node, f.message) for f in report.findings]


def test_every_rule_is_registered_with_a_one_line_why() -> None:
    assert rule_ids() == [
        "merge-stride", "merge-misaligned", "dead-node", "unused-input", "aux-not-train-only",
        "bias-before-bn", "channels-not-multiple-of-8", "double-relu", "silent-floor", "unused-param",
        "unused-suppression",
    ]
    assert all(rule.why and "\n" not in rule.why for rule in RULES.values())


def test_dead_node_reports_the_end_of_a_dead_chain(write_spec: Callable[..., Path]) -> None:
    assert warnings(write_spec, PRELUDE + """\
graph:
  - conv: {op: conv2d, out: 8, kernel: 3, padding: 1}
  - side: {op: conv2d, out: 8, kernel: 1, from: conv}
  - side_act: {op: relu}
  - main: {op: relu, from: conv}
outputs: [main]
""") == [("dead-node", 6, "side_act", "'side_act' (relu) reaches no output, nor do the 1 node(s) that only feed it")]


def test_a_train_only_head_is_not_dead(write_spec: Callable[..., Path]) -> None:
    assert warnings(write_spec, PRELUDE + """\
graph:
  - conv: {op: conv2d, out: 8, kernel: 3, padding: 1}
  - aux_head: {op: conv2d, out: 8, kernel: 1}
  - main: {op: relu, from: conv}
outputs: [main, {aux: {from: aux_head, train_only: true}}]
""") == []


def test_unused_input(write_spec: Callable[..., Path]) -> None:
    assert warnings(write_spec, """\
archdsl: 1
inputs:
  x: [3, 8, 8]
  mask: [1, 8, 8]
graph:
  - r: {op: relu, from: x}
""") == [("unused-input", 4, "mask", "input 'mask' is never read")]


def test_unused_params_of_the_spec_and_of_a_block(write_spec: Callable[..., Path]) -> None:
    assert warnings(write_spec, PRELUDE + """\
params:
  width: 8
  depth: 2
  spare: 3
  stride: 1
blocks:
  unit:
    params: {out: int, stride: 1, dropout: 0.1}
    graph:
      - conv: {op: conv2d, out: "${out}", kernel: 3, padding: 1, stride: "${stride}"}
graph:
  - repeat: "${depth}"
    block: unit
    with: {out: "${width * (i + 1)}"}
""") == [
        ("unused-param", 6, None, "param 'spare' is never read by an expression"),
        ("unused-param", 7, None, "param 'stride' is never read by an expression"),
        ("unused-param", 10, None, "param 'dropout' of block 'unit' is never read by an expression"),
    ]


def test_a_param_read_on_a_branch_not_taken_is_still_read(write_spec: Callable[..., Path]) -> None:
    assert warnings(write_spec, PRELUDE + """\
params: {wide: false, narrow_width: 8, wide_width: 16}
graph:
  - conv: {op: conv2d, out: "${wide_width if wide else narrow_width}", kernel: 1}
""") == []


def test_merge_of_branches_at_different_strides(write_spec: Callable[..., Path]) -> None:
    assert warnings(write_spec, PRELUDE + """\
graph:
  - down: {op: conv2d, out: 8, kernel: 3, stride: 2, padding: 1, from: x}
  - a: {op: conv2d, out: 8, kernel: 3, from: x}
  - b: {op: conv2d, out: 8, kernel: 3}
  - join: {op: add, from: [down, b]}
""") == [("merge-stride", 7, "join", "'join' (add) merges branches with different effective strides 1/2")]


def test_merge_of_misaligned_branches(write_spec: Callable[..., Path]) -> None:
    assert warnings(write_spec, PRELUDE + """\
graph:
  - centred: {op: conv2d, out: 8, kernel: 3, padding: 1, from: x}
  - shifted_pad: {op: pad, pads: [2, 0, 2, 0], from: x}
  - shifted: {op: conv2d, out: 8, kernel: 3}
  - join: {op: add, from: [centred, shifted]}
""") == [("merge-misaligned", 7, "join", "'join' (add) merges branches whose fields are misaligned (centres -1/0)")]


def test_an_auxiliary_head_running_at_inference(write_spec: Callable[..., Path]) -> None:
    head = """\
  - stem: {op: conv2d, out: 8, kernel: 3, padding: 1}
  - side: {op: adaptive_avgpool2d, size: 1}
  - side_flat: {op: flatten}
  - side_fc: {op: linear, out: 16}
  - trunk: {op: conv2d, out: 8, kernel: 3, padding: 1, from: stem}
  - pool: {op: adaptive_avgpool2d, size: 1}
  - flat: {op: flatten}
  - fc: {op: linear, out: 16}
"""
    named = warnings(write_spec, PRELUDE + "graph:\n" + head + "outputs: [fc, {aux1: side_fc}]\n")
    assert named == [("aux-not-train-only", 12, "side_fc",
                      "output 'aux1' (side_fc) looks like an auxiliary head but is not train_only")]
    early = warnings(write_spec, PRELUDE + "graph:\n" + head + "outputs: [fc, {early: side_fc}]\n")
    assert [w[:3] for w in early] == [("aux-not-train-only", 12, "side_fc")], "same type, less of the graph"
    marked = PRELUDE + "graph:\n" + head + "outputs: [fc, {aux1: {from: side_fc, train_only: true}}]\n"
    assert warnings(write_spec, marked) == []


def test_bias_before_batch_norm(write_spec: Callable[..., Path]) -> None:
    assert warnings(write_spec, """\
archdsl: 1
inputs: {x: [16]}
graph:
  - fc: {op: linear, out: 32}
  - bn: {op: batchnorm1d}
  - fc_nobias: {op: linear, out: 32, bias: false}
  - bn2: {op: batchnorm1d}
  - fc_shared: {op: linear, out: 32}
  - bn3: {op: batchnorm1d}
  - out: {op: add, from: [fc_shared, bn3]}
""") == [("bias-before-bn", 4, "fc", "'fc' (linear) adds a bias that 'bn' (batchnorm1d) removes")]


def test_channels_not_multiple_of_eight_except_the_head(write_spec: Callable[..., Path]) -> None:
    found = lint(archdsl.load(write_spec(PRELUDE + """\
graph:
  - conv: {op: conv2d, out: 12, kernel: 3, padding: 1}
  - act: {op: relu}
  - good: {op: conv2d, out: 16, kernel: 1}
  - classes: {op: conv2d, out: 10, kernel: 1}
  - pool: {op: adaptive_avgpool2d, size: 1}
  - flat: {op: flatten}
"""))).findings
    assert [(f.rule, f.node, f.message, f.fix) for f in found] == [
        ("channels-not-multiple-of-8", "conv", "'conv' (conv2d) has 12 output channels, not a multiple of 8",
         "use 8 or 16 channels if the design allows"),
    ]


def test_double_relu(write_spec: Callable[..., Path]) -> None:
    assert warnings(write_spec, PRELUDE + """\
graph:
  - a: {op: relu}
  - b: {op: relu}
  - c: {op: relu6}
  - d: {op: relu6}
  - e: {op: relu}
""") == [
        ("double-relu", 5, "b", "'b' (relu) follows 'a' (relu), whose output it leaves unchanged"),
        ("double-relu", 7, "d", "'d' (relu6) follows 'c' (relu6), whose output it leaves unchanged"),
        ("double-relu", 8, "e", "'e' (relu) follows 'd' (relu6), whose output it leaves unchanged"),
    ]


@pytest.mark.parametrize(
    "size, layer, lost",
    [
        # 15 → 7: windows start at 0, 2, ..., 12 and read up to 13; 14 is never read.
        (15, "{op: maxpool2d, kernel: 2, stride: 2}", 1),
        (16, "{op: maxpool2d, kernel: 2, stride: 2}", 0),
        # padding 1 on each side: the last window reads 13..15, covering 14.
        (15, "{op: conv2d, out: 8, kernel: 3, stride: 2, padding: 1}", 0),
        # 11×11 s4 on 224: 54 windows, the last reads 212..222; 223 is never read.
        (224, "{op: conv2d, out: 8, kernel: 11, stride: 4}", 1),
        # 2-wide windows at stride 3 skip one position between windows, but the last two here.
        (10, "{op: maxpool2d, kernel: 2, stride: 3}", 2),
        # 1×1 s2 skips every other row anyway; the last one is no worse.
        (16, "{op: conv2d, out: 8, kernel: 1, stride: 2}", 0),
        # 1×1 s3 on 17: reads 0, 3, ..., 15; missing 16 is no more than the regular gap of 2.
        (17, "{op: conv2d, out: 8, kernel: 1, stride: 3}", 0),
        (18, "{op: conv2d, out: 8, kernel: 1, stride: 4}", 0),
        # ceil_mode makes a last partial window: nothing lost.
        (15, "{op: maxpool2d, kernel: 2, stride: 2, ceil_mode: true}", 0),
    ],
)
def test_silent_floor(write_spec: Callable[..., Path], size: int, layer: str, lost: int) -> None:
    width = int(re.search(r"kernel: (\d+)", layer).group(1))  # one window across: nothing lost along width
    found = warnings(write_spec, f"archdsl: 1\ninputs: {{x: [3, {size}, {width}]}}\ngraph:\n  - down: {layer}\n")
    along = [w for w in found if w[0] == "silent-floor"]
    if not lost:
        assert along == []
        return
    assert along == [("silent-floor", 4, "down", along[0][3])]
    assert f"never reads the last {lost} of {size} positions along height" in along[0][3]
    assert "width" not in along[0][3]
