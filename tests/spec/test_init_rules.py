"""`init:` rules: initializer strings, rule matching and overriding, located errors."""

from __future__ import annotations

from typing import Any

import pytest

from archdsl.errors import ArchdslError, SpecError
from archdsl.spec.init import Initializer, parse_initializer

SPEC = """
archdsl: 1
name: t
params: {zero_last: false}
inputs: {x: [3, 8, 8]}
graph:
  - conv1: {op: conv2d, out: 4, kernel: 3}
  - bn1: {op: batchnorm2d}
  - head:
      graph:
        - conv: {op: conv2d, out: 4, kernel: 1, bias: false}
        - bn: {op: batchnorm2d}
  - flatten: {op: flatten}
  - fc: {op: linear, out: 2}
init:
"""


@pytest.mark.parametrize(
    "text, name, args",
    [
        ("zeros", "zeros", {}),
        ("constant(1)", "constant", {"val": 1.0}),
        ("normal(0, 0.01)", "normal", {"mean": 0.0, "std": 0.01}),
        ("normal(std=0.02)", "normal", {"mean": 0.0, "std": 0.02}),
        ("trunc_normal(0, 0.01, -2, 2)", "trunc_normal", {"mean": 0.0, "std": 0.01, "a": -2.0, "b": 2.0}),
        ("uniform(-0.1, 0.1)", "uniform", {"a": -0.1, "b": 0.1}),
        ("kaiming_normal(mode=fan_out, nonlinearity=relu)", "kaiming_normal",
         {"a": 0.0, "mode": "fan_out", "nonlinearity": "relu"}),
        ("kaiming_uniform(a=2.23606797749979)", "kaiming_uniform",
         {"a": 2.23606797749979, "mode": "fan_in", "nonlinearity": "leaky_relu"}),
        ("xavier_uniform", "xavier_uniform", {"gain": 1.0}),
        (" orthogonal(gain=1.5) ", "orthogonal", {"gain": 1.5}),
        ("default", "default", {}),
    ],
)
def test_initializers_parse_with_defaults_filled(text: str, name: str, args: dict[str, Any]) -> None:
    assert parse_initializer(text) == Initializer(name, tuple(args.items()))


@pytest.mark.parametrize(
    "text, message",
    [
        ("normall(0, 1)", "did you mean 'normal'"),
        ("normal(0, 1, 2)", "at most 2 argument"),
        ("normal(sigma=1)", "'sigma' is not an argument"),
        ("normal(0, std=1, mean=2)", "'mean' is given twice"),
        ("constant", "needs its argument 'val'"),
        ("kaiming_normal(mode=fan_output)", "did you mean 'fan_out'"),
        ("normal(0, -1)", "std must not be negative"),
        ("uniform(1, 0)", "a < b"),
        ("normal(0, 1e999)", "finite number"),
        ("normal(0, True)", "numbers or words"),
        ("normal(0, inf)", "finite number"),
        ("normal(0, 2 * 3)", "numbers or words"),
        ("__import__('os')", "unknown initializer '__import__'"),
        ("torch.nn.init.zeros_", "not a name or a call"),
        ("normal(", "cannot read"),
        ("normal(mode=fan_in)", "is not an argument"),
    ],
)
def test_bad_initializers_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_initializer(text)
    assert message in caught.value.format()


def _plan(load_text: Any, rules: str, **params: Any) -> dict[str, dict[str, str]]:
    model = load_text(SPEC + rules, **params)
    return {node: {p: str(i) for p, i in found.items()} for node, found in model.init.items()}


def test_later_rules_override_and_default_resets(load_text: Any) -> None:
    plan = _plan(load_text, """
  - {op: conv2d, weight: "normal(0, 0.1)", bias: zeros}
  - {match: "head.*", weight: ones}
  - {op: conv2d, match: "conv1", bias: default}
""")
    assert plan == {
        "conv1": {"weight": "normal(mean=0, std=0.1)"},
        "head.conv": {"weight": "ones"},
        "head.bn": {"weight": "ones"},
    }


def test_when_gates_a_rule_on_the_params(load_text: Any) -> None:
    rules = '  - {match: "head.bn", weight: zeros, when: "${zero_last}"}\n'
    assert _plan(load_text, rules) == {}
    assert _plan(load_text, rules, zero_last=True) == {"head.bn": {"weight": "zeros"}}


def test_parameter_globs_and_expressions(load_text: Any) -> None:
    plan = _plan(load_text, '  - {op: linear, "*": "constant(${2 + 1})"}\n')
    assert plan == {"fc": {"weight": "constant(val=3)", "bias": "constant(val=3)"}}


def test_a_rule_by_op_may_pick_nothing(load_text: Any) -> None:
    assert _plan(load_text, '  - {op: groupnorm, weight: ones}\n') == {}


@pytest.mark.parametrize(
    "rule, message, column",
    [
        ('{match: "layer*.bn3", weight: zeros}', "match layer*.bn3 picks no node", 6),
        ("{op: conv2d, wieght: zeros}", "no node this rule picks has a parameter 'wieght'", 18),
        ("{op: conv2d, bias: kaiming_normal}", "kaiming_normal needs a parameter of two or more axes", 18),
        ("{op: conv2dd, weight: zeros}", "unknown op 'conv2dd'", 6),
        ("{op: linear, weight: normall}", "unknown initializer 'normall'", 18),
        ('{op: linear, weight: zeros, when: "${1}"}', "`when:` must be true or false", 33),
        ("{op: linear}", "sets at least one parameter", 5),
        ("{op: linear, weight: 0}", "needs an initializer string", 5),
    ],
)
def test_bad_rules_are_located(load_text: Any, rule: str, message: str, column: int) -> None:
    with pytest.raises(ArchdslError) as caught:
        load_text(SPEC + f"  - {rule}\n")
    text = caught.value.format()
    assert message in text
    assert f"model.yaml:15:{column}:" in text


def test_rules_from_extends_apply_first(write_spec: Any) -> None:
    import archdsl

    write_spec(SPEC + '  - {op: linear, weight: zeros, bias: zeros}\n', "base.yaml")
    child = write_spec("archdsl: 1\nname: child\nextends: base.yaml\ninit:\n  - {op: linear, weight: ones}\n")
    plan = archdsl.load(child).init
    assert {k: str(v) for k, v in plan["fc"].items()} == {"weight": "ones", "bias": "zeros"}
