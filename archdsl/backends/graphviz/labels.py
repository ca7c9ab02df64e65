"""What a diagram says about each op: the lowering table of the graphviz backend.

`RULES` maps an op name to a function of the node's attributes returning the
short text shown under the op name ("7×7 s2 p3 → 64"). Ops registered later
without an entry of their own are drawn with their family's rule from
`FAMILY_RULES`, which lists every attribute that differs from its default; a
test checks that every registered op resolves to one of the two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from archdsl.errors import BackendError
from archdsl.ir.graph import Node
from archdsl.ops import OPS, Family
from archdsl.plugin import load_lowerings, lowering_gap

Rule = Callable[[Any], str]

RULES: dict[str, Rule] = {}


def lowers(*names: str) -> Callable[[Rule], Rule]:
    """Register `rule` as the label of each op in `names`."""

    def register(rule: Rule) -> Rule:
        for name in names:
            if name in RULES:
                raise ValueError(f"op '{name}' has two graphviz label rules")
            RULES[name] = rule
        return rule

    return register


# -- formatting helpers -----------------------------------------------------------------


def dims(value: Any, n: int) -> str:
    """`3` → `3×3` (n=2); `[3, 1]` → `3×1`."""
    values = [value] * n if isinstance(value, int) else list(value)
    return "×".join("·" if v is None else str(v) for v in values)


def _step(prefix: str, value: Any, neutral: int) -> str:
    """`s2`, `p1×0`, or '' when every axis has the neutral value."""
    values = [value] if isinstance(value, (int, str)) else list(value)
    if all(v == neutral for v in values):
        return ""
    if isinstance(value, str):
        return f"{prefix} {value}"
    return prefix + ("×".join(str(v) for v in values) if len(set(values)) > 1 else str(values[0]))


def join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def nondefault(attrs: BaseModel, keys: Iterable[str] | None = None) -> str:
    """`key value` for each attribute (of `keys`, or all) that differs from its default."""
    fields = type(attrs).model_fields
    shown = []
    for key in keys if keys is not None else fields:
        value = getattr(attrs, key)
        field = fields[key]
        if field.is_required() or value != field.default:
            shown.append(f"{key} {value_text(value)}")
    return ", ".join(shown)


def value_text(value: Any) -> str:
    """A param or attribute value, compactly: `[3,4,6,3]`, `0.001`."""
    if isinstance(value, list | tuple):
        return "[" + ",".join(value_text(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# -- the table --------------------------------------------------------------------------


def _window(n: int, transposed: bool = False) -> Rule:
    def rule(a: Any) -> str:
        extra = _step("op", a.output_padding, 0) if transposed else ""
        return join(dims(a.kernel, n), _step("s", a.stride, 1), _step("p", a.padding, 0), extra,
                    _step("d", a.dilation, 1), _step("g", a.groups, 1), f"→ {a.out}")

    return rule


lowers("conv1d")(_window(1))
lowers("conv2d")(_window(2))
lowers("conv_transpose2d")(_window(2, transposed=True))


def _pool(n: int) -> Rule:
    def rule(a: Any) -> str:
        stride = a.stride if a.stride is not None else a.kernel
        return join(dims(a.kernel, n), _step("s", stride, 1), _step("p", a.padding, 0),
                    _step("d", getattr(a, "dilation", 1), 1), "ceil" if a.ceil_mode else "")

    return rule


lowers("maxpool1d", "avgpool1d")(_pool(1))
lowers("maxpool2d", "avgpool2d")(_pool(2))


@lowers("adaptive_avgpool1d")
def _adaptive1(a: Any) -> str:
    return f"→ {dims(a.size, 1)}"


@lowers("adaptive_avgpool2d", "adaptive_maxpool2d")
def _adaptive2(a: Any) -> str:
    return f"→ {dims(a.size, 2)}"


@lowers("linear")
def _linear(a: Any) -> str:
    return join(f"→ {a.out}", "" if a.bias else "no bias")


@lowers("embedding")
def _embedding(a: Any) -> str:
    return f"{a.num} × {a.dim}"


@lowers("rnn", "gru", "lstm")
def _recurrent(a: Any) -> str:
    layers = f"{a.num_layers} layers" if a.num_layers > 1 else ""
    nonlinearity = getattr(a, "nonlinearity", "tanh")
    return join(f"hidden {a.hidden}", layers, "bidir" if a.bidirectional else "",
                nonlinearity if nonlinearity != "tanh" else "")


@lowers("dropout", "dropout2d", "drop_path")
def _dropout(a: Any) -> str:
    return join(f"p {a.p:g}", nondefault(a, ["mode"]) if "mode" in type(a).model_fields else "")


@lowers("groupnorm")
def _groupnorm(a: Any) -> str:
    return f"{a.groups} groups"


@lowers("channel_shuffle")
def _shuffle(a: Any) -> str:
    return f"{a.groups} groups"


@lowers("upsample")
def _upsample(a: Any) -> str:
    amount = f"×{value_text(a.scale)}" if a.scale is not None else f"→ {dims(a.size, 2)}"
    return join(amount, a.mode)


def _keys(*keys: str) -> Rule:
    def rule(a: Any) -> str:
        return nondefault(a, keys)

    return rule


# Element-wise ops: nothing to say unless an attribute was changed from its default.
lowers("relu", "relu6", "silu", "hardswish", "hardsigmoid", "sigmoid", "tanh")(_keys())
lowers("add", "mul", "mean", "identity")(_keys())
lowers("leaky_relu")(_keys("negative_slope"))
lowers("elu")(_keys("alpha"))
lowers("gelu")(_keys("approximate"))
lowers("prelu")(_keys("num_parameters"))
lowers("softmax", "log_softmax", "concat")(_keys("dim"))
lowers("batchnorm1d", "batchnorm2d")(_keys("eps", "affine", "track_running_stats"))
lowers("layernorm")(_keys("dims", "eps", "elementwise_affine"))
lowers("local_response_norm")(_keys("size", "alpha", "beta", "k"))
lowers("flatten")(_keys("start_dim", "end_dim"))
lowers("reshape")(_keys("shape"))
lowers("permute")(_keys("dims"))
lowers("select")(_keys("dim", "index"))
lowers("split")(_keys("sizes", "dim"))
lowers("chunk")(_keys("chunks", "dim"))
lowers("pad")(_keys("pads", "mode", "value"))
lowers("input")(_keys("dtype"))

FAMILY_RULES: dict[str, Rule] = dict.fromkeys(Family, nondefault)
"""The rule for an op of a known family that has no entry in `RULES`: every changed attribute."""


def rule_for(op: str) -> Rule | None:
    """The label rule of an op: its own (plugins' label modules for "graphviz" included),
    else its family's; None if neither exists."""
    load_lowerings("graphviz")
    if op in RULES:
        return RULES[op]
    registered = OPS.get(op)
    return FAMILY_RULES.get(registered.family) if registered is not None else None


def detail(node: Node) -> str:
    """The attribute summary of one node; a located BackendError if its op has no rule."""
    rule = rule_for(node.op)
    if rule is None:
        family = OPS[node.op].family if node.op in OPS else "?"
        how = f"`@lowers(\"{node.op}\")` from archdsl.backends.graphviz.labels"
        detail, hint = lowering_gap(node.op, "graphviz", how) or ("", "add a rule for it to archdsl/backends/graphviz/labels.py")
        raise BackendError(
            f"the graphviz backend cannot draw op '{node.op}' (family '{family}')" + (f": {detail}" if detail else ""),
            node.span, node.name, hint=hint,
        )
    return rule(node.attrs)
