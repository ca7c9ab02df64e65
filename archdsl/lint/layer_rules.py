"""Rules about single layers and their neighbours: redundant biases, tensor-core-unfriendly
widths, repeated ReLUs, strides that floor away input."""

from __future__ import annotations

from collections.abc import Iterator

from archdsl.ir.graph import Node
from archdsl.lint.registry import Context, Hit, rule
from archdsl.ops import OPS, Family, Window

MEAN_SUBTRACTING = frozenset({"batchnorm1d", "batchnorm2d"})
"""Norms that subtract a per-channel mean, so a per-channel bias before them cancels out."""
NO_OP_AFTER: dict[str, frozenset[str]] = {"relu": frozenset({"relu", "relu6"}), "relu6": frozenset({"relu6"})}
"""An activation → the activations after which it changes nothing (their output is already in its range)."""
WIDTH_FAMILIES = frozenset({Family.CONV, Family.LINEAR})
"""Ops whose `out` is the N or K of a matrix multiply (tensor cores want multiples of 8)."""
AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


@rule("bias-before-bn", "a batch norm subtracts the per-channel mean, so a bias just before it is a dead parameter")
def bias_before_bn(ctx: Context) -> Iterator[Hit]:
    for node in ctx.graph:
        if node.op not in MEAN_SUBTRACTING or not node.inputs:
            continue
        layer = ctx.producer(node)
        if ctx.consumers[layer.name] == [node.name] and _channel_bias(ctx, layer):
            yield ctx.hit(layer, f"'{layer.name}' ({layer.op}) adds a bias that '{node.name}' ({node.op}) removes",
                          f"set `bias: false` on '{layer.name}'")


def _channel_bias(ctx: Context, layer: Node) -> bool:
    """Whether `layer` has a bias along the channel axis (axis 1) of its output."""
    weights = OPS[layer.op].weights(layer.attrs, ctx.graph.input_types(layer))
    out = ctx.graph.types[layer.name][0]
    bias = weights.get("bias")
    along_channels = OPS[layer.op].family == Family.CONV or out.rank == 2
    return bias is not None and out.rank >= 2 and bias.shape == (out.shape[1],) and along_channels


@rule("channels-not-multiple-of-8", "tensor cores run matrix multiplies on multiples of 8 channels; other widths are padded or run slower")
def channel_widths(ctx: Context) -> Iterator[Hit]:
    for node in ctx.graph:
        width = getattr(node.attrs, "out", None)
        if OPS[node.op].family not in WIDTH_FAMILIES or not isinstance(width, int) or width % 8 == 0:
            continue
        if _is_head(ctx, node):
            continue  # the last layer's width is the task's (classes, box values), not a design choice
        near = sorted({max(8, width - width % 8), width + (-width) % 8})
        yield ctx.hit(node, f"'{node.name}' ({node.op}) has {width} output channels, not a multiple of 8",
                      f"use {' or '.join(map(str, near))} channels if the design allows")


def _is_head(ctx: Context, node: Node) -> bool:
    """Whether `node` feeds a graph output through parameter-free ops only."""
    ends = {o.ref.node for o in ctx.graph.outputs.values()}
    todo, seen = [node.name], set()
    while todo:
        name = todo.pop()
        if name in ends:
            return True
        seen.add(name)
        for user in ctx.consumers[name]:
            used = ctx.graph.nodes[user]
            if user not in seen and not OPS[used.op].weights(used.attrs, ctx.graph.input_types(used)):
                todo.append(user)
    return False


@rule("double-relu", "an activation applied to an output already in its range changes nothing and costs a pass over memory")
def double_relu(ctx: Context) -> Iterator[Hit]:
    for node in ctx.graph:
        after = NO_OP_AFTER.get(node.op)
        if after is None or len(node.inputs) != 1:
            continue
        previous = ctx.producer(node)
        if previous.op in after:
            yield ctx.hit(node, f"'{node.name}' ({node.op}) follows '{previous.name}' ({previous.op}), whose output it leaves unchanged",
                          f"remove '{node.name}'")


@rule("silent-floor", "a strided window that does not fit the input floors the output size and silently drops the input's last rows or columns")
def silent_floor(ctx: Context) -> Iterator[Hit]:
    for node in ctx.graph:
        step = OPS[node.op].receptive(node.attrs, ctx.graph.input_types(node), ctx.graph.types[node.name])
        if isinstance(step, str) or not node.inputs:
            continue
        sizes_in, sizes_out = ctx.graph.input_types(node)[0].spatial, ctx.graph.types[node.name][0].spatial
        if not len(step) == len(sizes_in) == len(sizes_out):
            continue
        names = AXES.get(len(step), tuple(f"axis {i}" for i in range(len(step))))
        lost = {names[i]: (w, n, _lost(w, n, m)) for i, (w, n, m) in enumerate(zip(step, sizes_in, sizes_out, strict=True))}
        lost = {axis: found for axis, found in lost.items() if found[2]}
        if lost:
            yield _floor_hit(ctx, node, lost)


def _lost(window: Window, size: int, out: int) -> int:
    """How many trailing input positions no window reads, beyond the regular gaps between windows."""
    stride, kernel, padding = window.stride, window.kernel, window.padding
    if not all(isinstance(v, int) for v in (stride, kernel, padding)) or stride <= 1:
        return 0
    last = (out - 1) * stride - padding + kernel - 1
    lost = (size - 1) - last
    return lost if lost > max(0, stride - kernel) else 0


def _floor_hit(ctx: Context, node: Node, lost: dict[str, tuple[Window, int, int]]) -> Hit:
    same: dict[tuple[int, int], list[str]] = {}  # axes losing alike are named together: "along height and width"
    fixes = []
    for axis, (window, size, count) in lost.items():
        stride, kernel, padding = int(window.stride), int(window.kernel), int(window.padding)
        excess = (size + 2 * padding - kernel) % stride
        same.setdefault((count, size), []).append(axis)
        fixes.append(f"{axis} {' or '.join(map(str, sorted({size - excess, size + stride - excess})))}")
    parts = [f"the last {count} of {size} positions along {' and '.join(axes)}" for (count, size), axes in same.items()]
    stride = int(next(iter(lost.values()))[0].stride)
    return ctx.hit(node, f"'{node.name}' ({node.op}, stride {stride}) never reads {' and '.join(parts)}",
                   f"give it an input of {', '.join(fixes)} (size + 2·padding − kernel divisible by the stride), "
                   "pad the input, or use ceil_mode")
