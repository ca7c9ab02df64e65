"""The `${...}` evaluator: what it computes and what it refuses."""

from __future__ import annotations

import pytest

from archdsl.errors import ExprError
from archdsl.limits import Limits
from archdsl.spec.expr import TensorInfo, evaluate, make_divisible, resolve

LIMITS = Limits()
ENV = {"planes": 64, "layers": [3, 4, 6, 3], "i": 2, "input": TensorInfo((256, 56, 56)), "name": "x"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("planes * 4", 256),
        ("planes // 3", 21),
        ("planes % 5", 4),
        ("2 ** 10", 1024),
        ("layers[1]", 4),
        ("layers[-1]", 3),
        ("layers[1:3]", [4, 6]),
        ("sum(layers)", 16),
        ("max(layers) + min(layers)", 9),
        ("len(layers)", 4),
        ("round(2.5) + round(3.5)", 6),  # Python's banker's rounding, as documented
        ("1 if i == 0 else 2", 2),
        ("i > 1 and planes == 64", True),
        ("not i", False),
        ("input.channels", 256),
        ("input.height * input.width", 3136),
        ("input.shape", [256, 56, 56]),
        ("input.channels != planes * 4", False),
        ("range(3)", [0, 1, 2]),
        ("ceil(7 / 2) + floor(7 / 2)", 7),
        ("int(planes * 1.5)", 96),
    ],
)
def test_evaluates(text: str, expected: object) -> None:
    assert evaluate(text, ENV, LIMITS) == expected


def test_make_divisible_matches_torchvision() -> None:
    from torchvision.models._utils import _make_divisible

    for value in [3, 8, 15, 16.5, 24 * 1.4, 32 * 0.75, 1000 * 0.35, 96 * 1.3]:
        for divisor in (4, 8, 16):
            assert make_divisible(value, divisor) == _make_divisible(value, divisor)


def test_resolve_whole_and_interpolated() -> None:
    assert resolve("${planes}", ENV, LIMITS) == 64
    assert resolve("denselayer${i + 1}", ENV, LIMITS) == "denselayer3"
    assert resolve(["${i}", {"a": "${i * 2}"}], ENV, LIMITS) == [2, {"a": 4}]
    assert resolve("plain", ENV, LIMITS) == "plain"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("plnes", "did you mean 'planes'"),
        ("().__class__", "attribute access is only allowed on tensors"),
        ("input.__class__", "tensors have no field"),
        ("__import__('os')", "function '__import__' is not available"),
        ("open('/etc/passwd')", "function 'open' is not available"),
        ("10 ** 10 ** 10", "power exceeds"),
        ("[0] * 10 ** 9", "sequence longer than"),
        ("'a' * 10 ** 9", "sequence longer than"),
        ("range(10 ** 12)", "range longer than"),
        ("lambda: 1", "Lambda is not allowed"),
        ("[x for x in layers]", "ListComp is not allowed"),
        ("{1: 2}", "Dict is not allowed"),
        ("1 / 0", "division by zero"),
        ("planes +", "invalid expression"),
    ],
)
def test_refuses(text: str, fragment: str) -> None:
    with pytest.raises(ExprError) as caught:
        evaluate(text, ENV, LIMITS)
    assert fragment in caught.value.format()


def test_step_limit_bounds_work() -> None:
    with pytest.raises(ExprError, match="steps"):
        evaluate(" + ".join(["1"] * 60), {}, Limits(expr_steps=100))


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExprError):
        evaluate(" + ".join(["1"] * 5000), {}, Limits(expr_chars=100_000, expr_steps=10**6))
    with pytest.raises(ExprError):
        evaluate("(" * 300 + "1" + ")" * 300, {}, LIMITS)


def test_remembered_values_keep_types_and_inputs_apart() -> None:
    # Results are memoised by the values an expression reads (repeated blocks): the memo must
    # tell True from 1, 2 from 2.0 and one list from another, and hand out fresh lists.
    limits = Limits()
    assert evaluate("x * 3", {"x": True}, limits) == 3
    assert evaluate("x * 3", {"x": 2}, limits) == 6
    assert isinstance(evaluate("x * 3", {"x": 2.0}, limits), float)
    assert evaluate("x + [1]", {"x": [0]}, limits) == [0, 1]
    first = evaluate("x + [1]", {"x": [5]}, limits)
    first.append(9)
    assert evaluate("x + [1]", {"x": [5]}, limits) == [5, 1]
    assert evaluate("t.channels * k", {"t": TensorInfo((8, 4, 4)), "k": 2}, limits) == 16
    assert evaluate("t.channels * k", {"t": TensorInfo((3, 4, 4)), "k": 2}, limits) == 6


def test_errors_are_raised_every_time() -> None:
    limits = Limits()
    for _ in range(2):
        with pytest.raises(ExprError, match="by zero"):
            evaluate("a // b", {"a": 1, "b": 0}, limits)
