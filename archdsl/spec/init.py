"""Initializers named in a spec's `init:` rules, parsed from strings like `normal(0, 0.01)`.

An initializer is a name from INITIALIZERS with arguments given positionally (in
the declared order) or by keyword; a bare word is a string (`mode=fan_out`).
The text is read with Python's own parser and checked against the table; it is
never evaluated. Names and arguments are PyTorch's `torch.nn.init` ones, so a
backend maps them one to one.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from archdsl.errors import SpecError, did_you_mean

Value = float | str

SEEDS = range(-(2**63), 2**64)
"""The seeds every backend accepts for initial weights (torch.manual_seed's range)."""

SKIP_DEFAULT_FROM = 1 << 16
"""Parameter count from which a backend skips an op's default initialisation when the spec's
`init:` rules set every trainable parameter: below it, building on the meta device and allocating
costs more than PyTorch's default init itself. The torch backend and the ONNX backend's numpy
initialisation must make the same choice, so their weights agree bit for bit."""

NONLINEARITIES = (
    "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu",
)


@dataclass(frozen=True)
class Param:
    """One argument of an initializer: a number unless `choices` lists the allowed words."""

    name: str
    default: Value | None = None
    """None: the argument is required."""
    choices: tuple[str, ...] = ()


_KAIMING = (
    Param("a", 0.0),
    Param("mode", "fan_in", ("fan_in", "fan_out")),
    Param("nonlinearity", "leaky_relu", NONLINEARITIES),
)

INITIALIZERS: dict[str, tuple[Param, ...]] = {
    "default": (),
    "zeros": (),
    "ones": (),
    "constant": (Param("val"),),
    "normal": (Param("mean", 0.0), Param("std", 1.0)),
    "uniform": (Param("a", 0.0), Param("b", 1.0)),
    "trunc_normal": (Param("mean", 0.0), Param("std", 1.0), Param("a", -2.0), Param("b", 2.0)),
    "xavier_uniform": (Param("gain", 1.0),),
    "xavier_normal": (Param("gain", 1.0),),
    "kaiming_uniform": _KAIMING,
    "kaiming_normal": _KAIMING,
    "orthogonal": (Param("gain", 1.0),),
}
"""Every initializer with its arguments in positional order (torch.nn.init's names and defaults)."""

FAN_BASED = frozenset({"xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal"})
"""Initializers that need a tensor of at least two axes (fan in and fan out)."""


@dataclass(frozen=True)
class Initializer:
    """A parsed initializer: its name and every argument, defaults filled in."""

    name: str
    args: tuple[tuple[str, Value], ...] = ()

    @property
    def kwargs(self) -> dict[str, Value]:
        return dict(self.args)

    def __str__(self) -> str:
        if not self.args:
            return self.name
        return f"{self.name}({', '.join(f'{k}={_show(v)}' for k, v in self.args)})"


DEFAULT = Initializer("default")
"""The op's own initialisation (PyTorch's default for the module)."""


def parse_initializer(text: Any) -> Initializer:
    """Parse `name` or `name(arg, key=value, ...)`; a SpecError says what is wrong."""
    if not isinstance(text, str):
        raise SpecError(f"an initializer is a string like 'normal(0, 0.01)', got {text!r}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise SpecError(f"cannot read initializer '{text}'", hint="write it like normal(0, 0.01) or zeros") from None
    if isinstance(tree, ast.Name):
        return _bind(_known(tree.id), [], {})
    if not isinstance(tree, ast.Call) or not isinstance(tree.func, ast.Name):
        raise SpecError(f"initializer '{text}' is not a name or a call", hint="write it like normal(0, 0.01) or zeros")
    name = _known(tree.func.id)
    positional = [_literal(arg, name) for arg in tree.args]
    keywords: dict[str, Value] = {}
    for keyword in tree.keywords:
        if keyword.arg is None or keyword.arg in keywords:
            raise SpecError(f"{name}(): each argument may be given once, by name")
        keywords[keyword.arg] = _literal(keyword.value, name)
    return _bind(name, positional, keywords)


def _known(name: str) -> str:
    if name not in INITIALIZERS:
        raise SpecError(f"unknown initializer '{name}'",
                        hint=did_you_mean(name, INITIALIZERS) or f"known: {', '.join(INITIALIZERS)}")
    return name


def _literal(node: ast.expr, name: str) -> Value:
    """A number (possibly negative), a quoted string or a bare word."""
    if isinstance(node, ast.Name):
        return node.id
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and sign == 1.0:
        return node.value
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return sign * float(node.value)
    raise SpecError(f"{name}(): arguments are numbers or words, got '{ast.unparse(node)}'")


def _bind(name: str, positional: list[Value], keywords: dict[str, Value]) -> Initializer:
    params = INITIALIZERS[name]
    if len(positional) > len(params):
        raise SpecError(f"{name}() takes at most {len(params)} argument(s), got {len(positional)}",
                        hint=_signature(name))
    given = dict(zip((p.name for p in params), positional, strict=False))
    for key, value in keywords.items():
        if key in given or key not in (p.name for p in params):
            problem = "is given twice" if key in given else "is not an argument"
            raise SpecError(f"{name}(): '{key}' {problem}", hint=did_you_mean(key, [p.name for p in params]) or _signature(name))
        given[key] = value
    args = tuple((p.name, _check(name, p, given.get(p.name, p.default))) for p in params)
    _check_ranges(name, dict(args))
    return Initializer(name, args)


def _check(name: str, param: Param, value: Value | None) -> Value:
    if value is None:
        raise SpecError(f"{name}() needs its argument '{param.name}'", hint=_signature(name))
    if param.choices:
        if value not in param.choices:
            raise SpecError(f"{name}(): {param.name} must be one of {', '.join(param.choices)}, got {_show(value)}",
                            hint=did_you_mean(str(value), param.choices))
        return value
    if not isinstance(value, float) or not math.isfinite(value):
        raise SpecError(f"{name}(): {param.name} must be a finite number, got {_show(value)}")
    return value


def _check_ranges(name: str, args: dict[str, Value]) -> None:
    if "std" in args and float(args["std"]) < 0:
        raise SpecError(f"{name}(): std must not be negative")
    if name in ("uniform", "trunc_normal") and float(args["a"]) >= float(args["b"]):
        raise SpecError(f"{name}(): the bounds need a < b, got a={_show(args['a'])}, b={_show(args['b'])}")


def _signature(name: str) -> str:
    params = ", ".join(p.name if p.default is None else f"{p.name}={_show(p.default)}" for p in INITIALIZERS[name])
    return f"{name}({params})"


def _show(value: Value) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
