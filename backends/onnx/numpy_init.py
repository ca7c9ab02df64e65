"""Initial weights drawn with numpy, for emitting ONNX where torch is not installed.

Follows the spec's initialisation plan (`model.init`, torch.nn.init's names and
formulas) and, for the parameters it leaves alone, PyTorch's default
initialisation of each op's module. The distributions are PyTorch's; the
numbers are not (numpy's generator is not torch's): with torch installed,
weights come from the torch backend instead, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from archdsl.errors import BackendError
from archdsl.ir.graph import Graph, Node
from archdsl.ops import OPS, Weight
from archdsl.spec.init import Initializer

Rng = np.random.Generator
Fill = Callable[[Rng, tuple[int, ...]], np.ndarray]


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """torch.nn.init's fan_in and fan_out of a weight of `shape`."""
    if len(shape) < 2:
        raise ValueError("fan in and fan out need a tensor of two or more axes")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def gain(nonlinearity: str, param: float | None = None) -> float:
    """torch.nn.init.calculate_gain."""
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    return 1.0


Kwargs = dict[str, float | str]


def _constant(value: float) -> Callable[[Rng, tuple[int, ...], Kwargs], np.ndarray]:
    return lambda rng, shape, k: np.full(shape, value, dtype=np.float64)


def _uniform(rng: Rng, shape: tuple[int, ...], k: Kwargs) -> np.ndarray:
    return rng.uniform(float(k["a"]), float(k["b"]), size=shape)


def _normal(rng: Rng, shape: tuple[int, ...], k: Kwargs) -> np.ndarray:
    return rng.normal(float(k["mean"]), float(k["std"]), size=shape)


def _trunc_normal(rng: Rng, shape: tuple[int, ...], k: Kwargs) -> np.ndarray:
    low, high = float(k["a"]), float(k["b"])
    values = _normal(rng, shape, k)
    outside = (values < low) | (values > high)
    while outside.any():  # redraw only what fell outside [a, b]
        values[outside] = rng.normal(float(k["mean"]), float(k["std"]), size=int(outside.sum()))
        outside = (values < low) | (values > high)
    return values


def _symmetric(rng: Rng, shape: tuple[int, ...], std: float, normal: bool) -> np.ndarray:
    """N(0, std²), or the uniform distribution with that standard deviation."""
    if normal:
        return rng.normal(0.0, std, size=shape)
    return rng.uniform(-math.sqrt(3.0) * std, math.sqrt(3.0) * std, size=shape)


def _xavier(normal: bool) -> Callable[[Rng, tuple[int, ...], Kwargs], np.ndarray]:
    def fill(rng: Rng, shape: tuple[int, ...], k: Kwargs) -> np.ndarray:
        fan_in, fan_out = fans(shape)
        return _symmetric(rng, shape, float(k["gain"]) * math.sqrt(2.0 / (fan_in + fan_out)), normal)

    return fill


def _kaiming(normal: bool) -> Callable[[Rng, tuple[int, ...], Kwargs], np.ndarray]:
    def fill(rng: Rng, shape: tuple[int, ...], k: Kwargs) -> np.ndarray:
        fan_in, fan_out = fans(shape)
        fan = fan_in if k["mode"] == "fan_in" else fan_out
        std = gain(str(k["nonlinearity"]), float(k["a"])) / math.sqrt(fan) if fan else 0.0
        return _symmetric(rng, shape, std, normal)

    return fill


def _orthogonal(rng: Rng, shape: tuple[int, ...], k: Kwargs) -> np.ndarray:
    rows = shape[0]
    cols = math.prod(shape) // rows
    flat = rng.normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return (float(k["gain"]) * q).reshape(shape)


def _constant_val(rng: Rng, shape: tuple[int, ...], k: Kwargs) -> np.ndarray:
    return np.full(shape, float(k["val"]), dtype=np.float64)


DRAW: dict[str, Callable[[Rng, tuple[int, ...], Kwargs], np.ndarray]] = {
    "zeros": _constant(0.0),
    "ones": _constant(1.0),
    "constant": _constant_val,
    "normal": _normal,
    "uniform": _uniform,
    "trunc_normal": _trunc_normal,
    "xavier_uniform": _xavier(normal=False),
    "xavier_normal": _xavier(normal=True),
    "kaiming_uniform": _kaiming(normal=False),
    "kaiming_normal": _kaiming(normal=True),
    "orthogonal": _orthogonal,
}
"""torch.nn.init's initializers in numpy, by name ('default' is resolved per op, see DEFAULTS)."""


def draw(init: Initializer, rng: Rng, shape: tuple[int, ...]) -> np.ndarray:
    """Values of `shape` drawn as torch.nn.init.<init.name>_ would (float64)."""
    return DRAW[init.name](rng, shape, init.kwargs)


Default = Callable[[Node, dict[str, Weight], str], Fill]
"""PyTorch's default initialisation of one tensor of a module: node, its weights, tensor name → fill."""


def _drawn(init: Initializer) -> Fill:
    return lambda rng, shape: draw(init, rng, shape)


def _layer(node: Node, weights: dict[str, Weight], name: str) -> Fill:
    """Conv and Linear: U(±1/√fan_in) for weight and bias alike (kaiming_uniform with a=√5)."""
    fan_in = fans(weights["weight"].shape)[0]
    bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
    return _drawn(Initializer("uniform", (("a", -bound), ("b", bound))))


def _recurrent(node: Node, weights: dict[str, Weight], name: str) -> Fill:
    bound = 1 / math.sqrt(node.attrs.hidden)
    return _drawn(Initializer("uniform", (("a", -bound), ("b", bound))))


def _embedding(node: Node, weights: dict[str, Weight], name: str) -> Fill:
    """N(0, 1), with the padding_idx row zeroed."""
    def fill(rng: Rng, shape: tuple[int, ...]) -> np.ndarray:
        values = rng.normal(0.0, 1.0, size=shape)
        if node.attrs.padding_idx is not None:
            values[node.attrs.padding_idx] = 0.0
        return values

    return fill


def _prelu(node: Node, weights: dict[str, Weight], name: str) -> Fill:
    return _drawn(Initializer("constant", (("val", float(node.attrs.init)),)))


def _norm(node: Node, weights: dict[str, Weight], name: str) -> Fill:
    """Scale 1, shift 0; running mean 0, variance 1, batch count 0."""
    return _drawn(Initializer("ones" if name in ("weight", "running_var") else "zeros"))


DEFAULTS: dict[str, Default] = {
    **dict.fromkeys(("conv1d", "conv2d", "conv_transpose2d", "linear"), _layer),
    **dict.fromkeys(("rnn", "gru", "lstm"), _recurrent),
    **dict.fromkeys(("batchnorm1d", "batchnorm2d", "layernorm", "groupnorm"), _norm),
    "embedding": _embedding,
    "prelu": _prelu,
}
"""Every op with weights → its default initialisation (a test checks the table is complete)."""


def initial_weights(graph: Graph, plan: dict[str, dict[str, Initializer]], seed: int) -> dict[str, np.ndarray]:
    """Every parameter and buffer of `graph`, by full name, drawn in schedule order."""
    rng = np.random.default_rng(seed)
    found: dict[str, np.ndarray] = {}
    for node in graph:
        weights = OPS[node.op].weights(node.attrs, graph.input_types(node))
        chosen = plan.get(node.name, {})
        for name, weight in weights.items():
            if name in chosen:
                values = draw(chosen[name], rng, weight.shape)
            else:
                values = _default(node)(node, weights, name)(rng, weight.shape)
            found[f"{node.name}.{name}"] = values.astype(weight.dtype)
    return found


def _default(node: Node) -> Default:
    entry = DEFAULTS.get(node.op)
    if entry is None:
        raise BackendError(f"no numpy default initialisation for op '{node.op}'", node.span, node.name,
                           hint="install torch (weights then come from the torch backend) or pass --weights")
    return entry
