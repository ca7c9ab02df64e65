"""Activations and (log-)softmax."""

from __future__ import annotations

import math

import numpy as np

from archdsl.backends.onnx.table import Emitter, Rule, Site, channel_view, scalar


def _plain(op_type: str) -> Rule:
    """An ONNX operator of identical semantics and no attributes."""
    def rule(site: Site, x: list[str]) -> list[str]:
        return [site.op(op_type, x[0])]

    return rule


def relu6(site: Site, x: list[str]) -> list[str]:
    return [site.op("Clip", x[0], scalar(site, 0.0, "min"), scalar(site, 6.0, "max"))]


def leaky_relu(site: Site, x: list[str]) -> list[str]:
    return [site.op("LeakyRelu", x[0], alpha=float(site.attrs.negative_slope))]


def elu(site: Site, x: list[str]) -> list[str]:
    return [site.op("Elu", x[0], alpha=float(site.attrs.alpha))]


def prelu(site: Site, x: list[str]) -> list[str]:
    """ONNX broadcasts the slope from the right: a per-channel slope becomes C×1×…×1."""
    slope = site.weight("weight")
    if site.attrs.num_parameters == "channels":
        slope = channel_view(site, slope, site.inputs[0].rank, "slope")
    return [site.op("PRelu", x[0], slope)]


def gelu(site: Site, x: list[str]) -> list[str]:
    """Gelu from opset 20; below, its definition written out."""
    approximate = site.attrs.approximate
    if site.opset >= 20:
        return [site.op("Gelu", x[0], approximate=approximate)]
    if approximate == "tanh":
        cube = site.op("Mul", x[0], site.op("Mul", x[0], x[0], suffix="square"), suffix="cube")
        inner = site.op("Add", x[0], site.op("Mul", cube, scalar(site, 0.044715, "c"), suffix="scaled_cube"), suffix="inner")
        phi = site.op("Tanh", site.op("Mul", inner, scalar(site, math.sqrt(2 / math.pi), "k"), suffix="arg"))
    else:
        phi = site.op("Erf", site.op("Mul", x[0], scalar(site, 1 / math.sqrt(2), "k"), suffix="arg"))
    half = site.op("Mul", x[0], scalar(site, 0.5, "half"), suffix="half_x")
    return [site.op("Mul", half, site.op("Add", phi, scalar(site, 1.0, "one"), suffix="one_plus"))]


def silu(site: Site, x: list[str]) -> list[str]:
    return [site.op("Mul", x[0], site.op("Sigmoid", x[0]))]


def hardsigmoid(site: Site, x: list[str]) -> list[str]:
    """relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1)."""
    return [site.op("HardSigmoid", x[0], alpha=float(np.float32(1 / 6)), beta=0.5)]


def softmax(site: Site, x: list[str]) -> list[str]:
    return [site.op("Softmax", x[0], axis=site.attrs.dim)]


def log_softmax(site: Site, x: list[str]) -> list[str]:
    return [site.op("LogSoftmax", x[0], axis=site.attrs.dim)]


TABLE: dict[str, Emitter] = {
    "relu": Emitter(_plain("Relu")),
    "relu6": Emitter(relu6),
    "leaky_relu": Emitter(leaky_relu),
    "prelu": Emitter(prelu),
    "elu": Emitter(elu),
    "gelu": Emitter(gelu),
    "silu": Emitter(silu),
    "hardswish": Emitter(_plain("HardSwish")),
    "hardsigmoid": Emitter(hardsigmoid),
    "sigmoid": Emitter(_plain("Sigmoid")),
    "tanh": Emitter(_plain("Tanh")),
    "softmax": Emitter(softmax),
    "log_softmax": Emitter(log_softmax),
}
