"""Inline suppressions: on a node, on a scope item, on a block, per file; each needs a why,
names real rules, and is itself reported when it switches nothing off."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import archdsl
from archdsl.errors import ArchdslError
from archdsl.lint import lint

PRELUDE = "archdsl: 1\ninputs: {x: [3, 8, 8]}\n"
WHY = 'why: "kept for checkpoint compatibility"'


def report(write_spec: Callable[..., Path], text: str, name: str = "model.yaml") -> tuple[list, list]:
    found = lint(archdsl.load(write_spec(text, name)))
    return [(f.rule, f.node) for f in found.findings], [(f.rule, f.node, s.why) for f, s in found.suppressed]


def test_a_node_suppression_covers_that_node_only(write_spec: Callable[..., Path]) -> None:
    kept, hidden = report(write_spec, PRELUDE + f"""\
graph:
  - a: {{op: conv2d, out: 8, kernel: 1, lint: {{disable: [bias-before-bn], {WHY}}}}}
  - a_bn: {{op: batchnorm2d}}
  - b: {{op: conv2d, out: 8, kernel: 1}}
  - b_bn: {{op: batchnorm2d}}
""")
    assert kept == [("bias-before-bn", "b")]
    assert hidden == [("bias-before-bn", "a", "kept for checkpoint compatibility")]


def test_a_suppression_on_a_scope_item_covers_every_node_inside(write_spec: Callable[..., Path]) -> None:
    kept, hidden = report(write_spec, PRELUDE + f"""\
blocks:
  unit:
    graph:
      - conv: {{op: conv2d, out: 8, kernel: 1}}
      - bn: {{op: batchnorm2d}}
graph:
  - stage:
      repeat: 2
      block: unit
      lint: {{disable: [bias-before-bn], {WHY}}}
  - last: {{block: unit}}
""")
    assert kept == [("bias-before-bn", "last.conv")]
    assert [h[1] for h in hidden] == ["stage.0.conv", "stage.1.conv"]


def test_a_block_suppression_covers_every_instance_and_its_params(write_spec: Callable[..., Path]) -> None:
    kept, hidden = report(write_spec, PRELUDE + f"""\
blocks:
  unit:
    params: {{legacy: 1}}
    lint: {{disable: [bias-before-bn, unused-param], {WHY}}}
    graph:
      - conv: {{op: conv2d, out: 8, kernel: 1}}
      - bn: {{op: batchnorm2d}}
graph:
  - one: {{block: unit}}
  - two: {{block: unit}}
""")
    assert kept == []
    assert sorted(h[:2] for h in hidden) == [("bias-before-bn", "one.conv"), ("bias-before-bn", "two.conv"),
                                           ("unused-param", None)]


def test_a_file_suppression_covers_its_file_and_the_linted_spec_covers_all(write_spec: Callable[..., Path]) -> None:
    write_spec("""\
archdsl: 1
lint: {disable: [bias-before-bn], why: "the library's convs keep their bias"}
blocks:
  unit:
    graph:
      - conv: {op: conv2d, out: 8, kernel: 1}
      - bn: {op: batchnorm2d}
""", "lib.yaml")
    kept, hidden = report(write_spec, PRELUDE + """\
use: [lib.yaml]
graph:
  - one: {block: unit}
  - mine: {op: conv2d, out: 8, kernel: 1}
  - mine_bn: {op: batchnorm2d}
""")
    assert kept == [("bias-before-bn", "mine")] and [h[1] for h in hidden] == ["one.conv"]
    kept, hidden = report(write_spec, PRELUDE + f"""\
use: [lib.yaml]
lint: {{disable: [bias-before-bn], {WHY}}}
graph:
  - one: {{block: unit}}
  - mine: {{op: conv2d, out: 8, kernel: 1}}
  - mine_bn: {{op: batchnorm2d}}
""")
    assert kept == [] and [h[1] for h in hidden] == ["one.conv", "mine"]


def test_a_suppression_that_switches_nothing_off_is_reported(write_spec: Callable[..., Path]) -> None:
    found = lint(archdsl.load(write_spec(PRELUDE + f"""\
graph:
  - a: {{op: relu, lint: {{disable: [double-relu, dead-node], {WHY}}}}}
  - b: {{op: relu}}
""")))
    assert [(f.rule, f.span.line if f.span else 0, f.message) for f in found.findings] == [
        ("unused-suppression", 4, "`lint: disable: [double-relu]` here switches no warning off"),
        ("unused-suppression", 4, "`lint: disable: [dead-node]` here switches no warning off"),
        ("double-relu", 5, "'b' (relu) follows 'a' (relu), whose output it leaves unchanged"),
    ]


@pytest.mark.parametrize(
    "lint_value, message",
    [
        ("{disable: [bias-before-bn]}", "missing required key 'why'"),
        ('{disable: [bias-before-bn], why: "  "}', "a suppression must say why"),
        ('{disable: [], why: "x"}', "at least 1 item"),
    ],
)
def test_a_suppression_must_say_why_and_what(write_spec: Callable[..., Path], lint_value: str, message: str) -> None:
    with pytest.raises(ArchdslError, match=message) as caught:
        archdsl.load(write_spec(PRELUDE + f"graph:\n  - a: {{op: relu, lint: {lint_value}}}\n"))
    assert caught.value.span is not None and caught.value.span.line == 4


def test_an_unknown_rule_id_is_a_located_error(write_spec: Callable[..., Path]) -> None:
    model = archdsl.load(write_spec(PRELUDE + f"graph:\n  - a: {{op: relu, lint: {{disable: [double-rel], {WHY}}}}}\n"))
    with pytest.raises(ArchdslError) as caught:
        lint(model)
    assert caught.value.message == "`lint: disable` names no lint rule 'double-rel'"
    assert caught.value.hint == "did you mean 'double-relu'?"
    assert caught.value.span is not None and caught.value.span.line == 4


def test_the_closest_suppression_gives_the_reason(write_spec: Callable[..., Path]) -> None:
    write_spec(PRELUDE + """\
lint: {disable: [channels-not-multiple-of-8], why: "the parent's widths"}
params: {width: 12}
graph:
  - conv: {op: conv2d, out: "${width}", kernel: 1}
  - act: {op: relu}
  - head: {op: conv2d, out: 8, kernel: 1}
""", "parent.yaml")
    found = lint(archdsl.load(write_spec("""\
archdsl: 1
extends: parent.yaml
lint: {disable: [channels-not-multiple-of-8], why: "the variant's widths"}
params: {width: 20}
""", "variant.yaml")))
    assert found.findings == ()
    assert [(f.node, s.why) for f, s in found.suppressed] == [("conv", "the variant's widths")]
