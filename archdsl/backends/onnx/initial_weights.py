"""Initial weights in numpy, bit for bit those of `model.to_torch(seed=...)`, without torch.

The torch backend builds each module in schedule order under `torch.manual_seed(seed)`:
PyTorch's default initialisation of the module (its `reset_parameters`, skipped when
the spec's `init:` rules set every parameter of a large module, see
archdsl.spec.init.SKIP_DEFAULT_FROM), then the rules' `torch.nn.init` functions.
This module makes the same draws in the same order from `TorchGenerator` (PyTorch's
CPU generator and sampling kernels in numpy), with torch.nn.init's formulas in the
same float64 arithmetic, and casts as the backend does (to the inputs' float dtype,
then to the declared one). `torch_only` names what cannot be reproduced this way:
`orthogonal` (a LAPACK QR), a `trunc_normal` whose interval holds under 30% of the
mass (torch's vectorised log), and plugin ops with weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from archdsl.backends.onnx.dtypes import numpy_dtype
from archdsl.backends.onnx.torch_rng import TorchGenerator
from archdsl.errors import BackendError
from archdsl.ir.graph import Graph, Node
from archdsl.ops import OPS, DefaultInit, Weight
from archdsl.spec.init import SEEDS, SKIP_DEFAULT_FROM, Initializer

F32 = np.float32
Shape = tuple[int, ...]
Kwargs = dict[str, float | str]
Draw = Callable[[TorchGenerator, Shape, Kwargs], np.ndarray]


def fans(shape: Shape) -> tuple[int, int]:
    """torch.nn.init's fan_in and fan_out of a weight of `shape`."""
    if len(shape) < 2:
        raise ValueError("fan in and fan out need a tensor of two or more axes")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def gain(nonlinearity: str, param: float | None = None) -> float:
    """torch.nn.init.calculate_gain, with its arithmetic."""
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


def _uniform(gen: TorchGenerator, shape: Shape, low: float, high: float) -> np.ndarray:
    return gen.uniform(math.prod(shape), low, high).reshape(shape)


def _normal(gen: TorchGenerator, shape: Shape, mean: float, std: float) -> np.ndarray:
    return gen.normal(math.prod(shape), mean, std).reshape(shape)


def _full(value: float) -> Draw:
    return lambda gen, shape, k: np.full(shape, value, dtype=F32)


def _trunc_normal(gen: TorchGenerator, shape: Shape, k: Kwargs) -> np.ndarray:
    """Normal draws, every one outside [a, b] replaced from a fresh draw of the whole tensor."""
    mean, std, a, b = (float(k[name]) for name in ("mean", "std", "a", "b"))
    low, high = F32(a), F32(b)
    values = _normal(gen, shape, mean, std)
    outside = (values < low) | (values > high)
    while outside.any():
        values = np.where(outside, _normal(gen, shape, mean, std), values)
        outside = (values < low) | (values > high)
    return values


def _normal_mass(k: Kwargs) -> float:
    """The share of N(mean, std²) inside [a, b], as torch.nn.init.trunc_normal_ computes it."""
    mean, std, a, b = (float(k[name]) for name in ("mean", "std", "a", "b"))
    cdf = lambda x: (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0  # noqa: E731
    return cdf((b - mean) / std) - cdf((a - mean) / std)


def _xavier(normal: bool) -> Draw:
    def fill(gen: TorchGenerator, shape: Shape, k: Kwargs) -> np.ndarray:
        fan_in, fan_out = fans(shape)
        std = float(k["gain"]) * math.sqrt(2.0 / float(fan_in + fan_out))
        if normal:
            return _normal(gen, shape, 0.0, std)
        bound = math.sqrt(3.0) * std
        return _uniform(gen, shape, -bound, bound)

    return fill


def _kaiming(normal: bool) -> Draw:
    def fill(gen: TorchGenerator, shape: Shape, k: Kwargs) -> np.ndarray:
        if 0 in shape:
            return np.zeros(shape, dtype=F32)
        fan = fans(shape)[0 if k["mode"] == "fan_in" else 1]
        std = gain(str(k["nonlinearity"]), float(k["a"])) / math.sqrt(fan)
        if normal:
            return _normal(gen, shape, 0.0, std)
        bound = math.sqrt(3.0) * std
        return _uniform(gen, shape, -bound, bound)

    return fill


DRAW: dict[str, Draw] = {
    "zeros": _full(0.0),
    "ones": _full(1.0),
    "constant": lambda gen, shape, k: np.full(shape, float(k["val"]), dtype=F32),
    "normal": lambda gen, shape, k: _normal(gen, shape, float(k["mean"]), float(k["std"])),
    "uniform": lambda gen, shape, k: _uniform(gen, shape, float(k["a"]), float(k["b"])),
    "trunc_normal": _trunc_normal,
    "xavier_uniform": _xavier(normal=False),
    "xavier_normal": _xavier(normal=True),
    "kaiming_uniform": _kaiming(normal=False),
    "kaiming_normal": _kaiming(normal=True),
}
"""torch.nn.init's initializers by name, as float32 draws ('default' is the op's own: `Op.default_init`)."""

TORCH_ONLY: dict[str, Callable[[Kwargs], str | None]] = {
    "orthogonal": lambda k: "orthogonal takes a QR decomposition, which numpy's LAPACK does not round as torch's",
    "trunc_normal": lambda k: None if _normal_mass(k) > 0.3 else (
        "trunc_normal over an interval holding at most 30% of the mass samples through torch's vectorised log"),
}
"""Initializers reproduced only by torch itself, with why (None: this use of it is reproducible)."""


def draw(init: Initializer | DefaultInit, gen: TorchGenerator, shape: Shape) -> np.ndarray:
    """`torch.nn.init.<init.name>_` on a float32 tensor of `shape` (`init` must be reproducible)."""
    return DRAW[init.name](gen, shape, init.kwargs)


def default(init: DefaultInit, gen: TorchGenerator, shape: Shape) -> np.ndarray:
    """One tensor's default initialisation, as its op declares it (`Op.default_init`)."""
    values = draw(init, gen, shape)
    if init.zero_row is not None:
        values[init.zero_row] = 0.0
    return values


def torch_only(graph: Graph, plan: dict[str, dict[str, Initializer]]) -> BackendError | None:
    """Why these weights can come only from the torch backend (the first reason), or None."""
    for node in graph:
        weights = _weights(graph, node)
        if weights.keys() - OPS[node.op].default_init(node.attrs, weights).keys():
            return BackendError(f"op '{node.op}' has no numpy initialisation (torch's module decides)",
                                node.span, node.name)
        for name, init in plan.get(node.name, {}).items():
            reason = TORCH_ONLY.get(init.name, lambda k: None)(init.kwargs)
            if reason is not None:
                return BackendError(f"'{node.name}.{name}': {reason}", node.span, node.name)
    return None


def initial_weights(graph: Graph, plan: dict[str, dict[str, Initializer]], seed: int) -> dict[str, np.ndarray]:
    """Every parameter and buffer of `graph` by full name, as `to_torch(seed=seed).state_dict()` holds them."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed not in SEEDS:
        raise BackendError(f"seed {seed!r} is not an integer from -2**63 to 2**64 - 1")
    problem = torch_only(graph, plan)
    if problem is not None:
        raise problem
    gen = TorchGenerator(seed)
    module_dtype = _float_input_dtype(graph)
    found: dict[str, np.ndarray] = {}
    for node in graph:
        weights = _weights(graph, node)
        for name, values in _module(node, weights, plan.get(node.name, {}), gen).items():
            if values.dtype.kind == "f":
                values = values.astype(module_dtype, copy=False)
            found[f"{node.name}.{name}"] = values.astype(numpy_dtype(weights[name].dtype), copy=False)
    return found


def _module(node: Node, weights: dict[str, Weight], chosen: dict[str, Initializer],
            gen: TorchGenerator) -> dict[str, np.ndarray]:
    """One module's tensors: defaults (unless the rules set every parameter of a large module), then the rules."""
    if not weights:
        return {}
    trainable = [name for name, w in weights.items() if w.trainable]
    numel = sum(weights[name].numel for name in trainable)
    skip = bool(trainable) and all(name in chosen for name in trainable) and numel >= SKIP_DEFAULT_FROM
    defaults = OPS[node.op].default_init(node.attrs, weights)
    values = {name: default(init, gen, weights[name].shape) for name, init in defaults.items()
              if not (skip and weights[name].trainable)}
    for name, init in chosen.items():
        values[name] = draw(init, gen, weights[name].shape)
    return {name: values[name] for name in weights}


def _weights(graph: Graph, node: Node) -> dict[str, Weight]:
    return OPS[node.op].weights(node.attrs, graph.input_types(node))


def _float_input_dtype(graph: Graph) -> np.dtype:
    """The dtype the torch backend moves its module to: the inputs' float dtype when they agree on one."""
    found = {t.dtype for t in graph.inputs.values() if t.dtype.startswith(("float", "bfloat"))}
    return numpy_dtype(found.pop()) if len(found) == 1 else np.dtype(F32)
