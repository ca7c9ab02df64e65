"""Normalisation: batchnorm1d/2d, layernorm, groupnorm, local_response_norm."""

from __future__ import annotations

import numpy as np

from archdsl.backends.onnx.dtypes import numpy_dtype
from archdsl.backends.onnx.table import Emitter, Site, channel_view, ints, reshape_dims, scalar
from archdsl.ops.base import channels


def _filled(site: Site, shape: tuple[int, ...], value: float, suffix: str) -> str:
    return site.const(np.full(shape, value, dtype=numpy_dtype(site.inputs[0].dtype)), suffix)


def _affine(site: Site, shape: tuple[int, ...]) -> tuple[str, str]:
    """The scale and shift tensors: the node's weight and bias, or 1 and 0 where it has none."""
    scale = site.weight("weight") if site.has_weight("weight") else _filled(site, shape, 1.0, "ones")
    shift = site.weight("bias") if site.has_weight("bias") else _filled(site, shape, 0.0, "zeros")
    return scale, shift


def _batchnorm(site: Site, x: list[str]) -> list[str]:
    c = (channels(site.inputs[0]),)
    scale, shift = _affine(site, c)
    eps = float(site.attrs.eps)
    if site.attrs.track_running_stats:
        mean, var = site.weight("running_mean"), site.weight("running_var")
        return [site.op("BatchNormalization", x[0], scale, shift, mean, var, epsilon=eps)]
    return [_batch_statistics(site, x[0], scale, shift, eps)]


def _batch_statistics(site: Site, x: str, scale: str, shift: str, eps: float) -> str:
    """BatchNorm without running statistics normalises by the batch's own, in eval too."""
    rank = site.inputs[0].rank
    axes = ints(site, [0, *range(2, rank)], "axes")
    centred = site.op("Sub", x, site.op("ReduceMean", x, axes, suffix="mean"), suffix="centred")
    var = site.op("ReduceMean", site.op("Mul", centred, centred, suffix="square"), axes, suffix="var")
    std = site.op("Sqrt", site.op("Add", var, scalar(site, eps, "eps"), suffix="var_eps"), suffix="std")
    normed = site.op("Div", centred, std, suffix="normalised")
    scaled = site.op("Mul", normed, channel_view(site, scale, rank, "scale"), suffix="scaled")
    return site.op("Add", scaled, channel_view(site, shift, rank, "shift"))




def layernorm(site: Site, x: list[str]) -> list[str]:
    x_type = site.inputs[0]
    shape = tuple(int(d) for d in x_type.shape[x_type.rank - site.attrs.dims:])
    scale = site.weight("weight") if site.has_weight("weight") else _filled(site, shape, 1.0, "ones")
    bias = [site.weight("bias")] if site.has_weight("bias") else []
    return [site.op("LayerNormalization", x[0], scale, *bias, axis=-site.attrs.dims, epsilon=float(site.attrs.eps))]


def groupnorm(site: Site, x: list[str]) -> list[str]:
    """GroupNormalization from opset 21 (per-channel scale); below, InstanceNormalization over
    N×G×(C/G·spatial) and the per-channel affine map after it."""
    x_type = site.inputs[0]
    c, groups, eps = channels(x_type), site.attrs.groups, float(site.attrs.eps)
    if site.opset >= 21:
        scale, shift = _affine(site, (c,))
        return [site.op("GroupNormalization", x[0], scale, shift, num_groups=groups, epsilon=eps)]
    per_group = x_type.numel() // c * (c // groups)
    grouped = site.op("Reshape", x[0], ints(site, [0, groups, per_group], "grouped_shape"), suffix="grouped")
    normed = site.op("InstanceNormalization", grouped, _filled(site, (groups,), 1.0, "group_ones"),
                     _filled(site, (groups,), 0.0, "group_zeros"), epsilon=eps, suffix="normalised")
    shape = ints(site, reshape_dims(x_type, x_type), "shape")
    if not site.attrs.affine:
        return [site.op("Reshape", normed, shape)]
    restored = site.op("Reshape", normed, shape, suffix="restored")
    scale = channel_view(site, site.weight("weight"), x_type.rank, "scale")
    shift = channel_view(site, site.weight("bias"), x_type.rank, "shift")
    return [site.op("Add", site.op("Mul", restored, scale, suffix="scaled"), shift)]


def local_response_norm(site: Site, x: list[str]) -> list[str]:
    """ONNX LRN centres its window as PyTorch does only for an odd size; an even size is
    written out as PyTorch computes it (average of squares over a zero-padded channel window)."""
    a = site.attrs
    if a.size % 2:
        return [site.op("LRN", x[0], size=a.size, alpha=float(a.alpha), beta=float(a.beta), bias=float(a.k))]
    x_type = site.inputs[0]
    c = channels(x_type)
    square = site.op("Mul", x[0], x[0], suffix="square")
    flat = site.op("Reshape", square, ints(site, [0, 1, c, x_type.numel() // c], "flat_shape"), suffix="flat")
    window = site.op("AveragePool", flat, kernel_shape=[a.size, 1], strides=[1, 1],
                     pads=[a.size // 2, 0, (a.size - 1) // 2, 0], count_include_pad=1, suffix="window")
    average = site.op("Reshape", window, ints(site, reshape_dims(x_type, x_type), "shape"), suffix="average")
    scaled = site.op("Add", site.op("Mul", average, scalar(site, a.alpha, "alpha"), suffix="scaled"),
                     scalar(site, a.k, "k"), suffix="shifted")
    return [site.op("Div", x[0], site.op("Pow", scaled, scalar(site, a.beta, "beta"), suffix="denominator"))]


TABLE: dict[str, Emitter] = {
    "batchnorm1d": Emitter(_batchnorm),
    "batchnorm2d": Emitter(_batchnorm),
    "layernorm": Emitter(layernorm),
    "groupnorm": Emitter(groupnorm),
    "local_response_norm": Emitter(local_response_norm),
}
