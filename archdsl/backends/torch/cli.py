"""`archdsl build SPEC --backend torch`: build, check a forward pass, write the artifact.

The core prints params, MACs and the total time; this returns the rest of the
summary: the module, the forward-pass check (output shapes against the static
analysis) and what was written.
"""

from __future__ import annotations

import argparse
import copy
import time
from typing import Any

import torch
from torch import fx

from archdsl.backends.torch.artifacts import writer_for
from archdsl.backends.torch.examples import example_inputs
from archdsl.backends.torch.lower import Lowered, device_of, lower_with_info
from archdsl.errors import BackendError
from archdsl.lowering import Lowering
from archdsl.progress import stage
from archdsl.tensors import BATCH, TensorType, shape_text


def build(lowering: Lowering, args: argparse.Namespace) -> str:
    """Build the module; summary lines for the core's `build` command."""
    output = getattr(args, "output", None)
    write = writer_for(output) if output else None
    started = time.perf_counter()
    with stage("building the torch module"):
        module, lowered = lower_with_info(lowering, seed=getattr(args, "seed", None), device=getattr(args, "device", None) or "auto")
    lines = [describe(module, lowered, getattr(args, "seed", None), time.perf_counter() - started)]
    with stage("running a forward pass"):
        lines += forward_check(lowering, module)
    if write is not None and output is not None:
        with stage(f"writing {output}"):
            lines.append(write(lowering, module, lowered, output))
    return "\n".join(lines)


def describe(module: fx.GraphModule, lowered: Lowered, seed: int | None, seconds: float) -> str:
    parameter = next(iter(module.parameters()), None)
    where = f"{parameter.device}, {str(parameter.dtype).removeprefix('torch.')}" if parameter is not None else "no parameters"
    text = (f"torch: GraphModule '{type(module).__name__}' ({where}), {len(lowered.makes)} modules, "
            f"{len(module.state_dict())} state_dict tensors, seed {seed if seed is not None else 'random'}, "
            f"built in {seconds:.2f} s")
    refused = lowered.schedule.out_of_place
    if refused:
        text += f"\n  note: `inplace` not honoured for {', '.join(refused)} (their input is read again later)"
    return text


def forward_check(lowering: Lowering, module: fx.GraphModule) -> list[str]:
    """Run random inputs in eval mode (and, with train-only outputs, in train mode on a copy)."""
    lines = [_run(lowering, module, training=False, batch=1)]
    if any(o.train_only for o in lowering.graph.outputs.values()):
        lines.append(_run(lowering, copy.deepcopy(module), training=True, batch=2))
    return lines


def _run(lowering: Lowering, module: fx.GraphModule, training: bool, batch: int) -> str:
    device = device_of(module)
    inputs = example_inputs(lowering.graph, batch=batch, device=device)
    module.train(training)
    started = time.perf_counter()
    with torch.no_grad():
        try:
            result = module(*inputs.values())
        except RuntimeError as exc:  # an op torch has no kernel for (a dtype, a device)
            raise BackendError(f"the built module fails on a random input in {'train' if training else 'eval'} mode: "
                               f"{str(exc).strip().splitlines()[0]}",
                               hint="rerun with --debug for the traceback") from exc

    seconds = time.perf_counter() - started
    module.eval()
    outputs = {n: o for n, o in lowering.graph.outputs.items() if training or not o.train_only}
    tensors = dict(zip(outputs, [result] if isinstance(result, torch.Tensor) else list(result.values()), strict=True))
    shown = []
    for name, tensor in tensors.items():
        _check(name, tensor, lowering.graph.type_of(outputs[name].ref), batch)
        finite = "" if not tensor.is_floating_point() or torch.isfinite(tensor).all() else " (non-finite values!)"
        shown.append(f"{name} {shape_text(tuple(tensor.shape))}{finite}")
    mode = "train mode on a copy" if training else "eval mode"
    return f"forward check ({mode}, batch {batch}, {device}): {', '.join(shown)} in {seconds * 1000:.0f} ms"


def _check(name: str, tensor: Any, expected: TensorType, batch: int) -> None:
    shape = tuple(batch if d == BATCH else d for d in expected.shape)
    dtype = str(tensor.dtype).removeprefix("torch.")
    if tuple(tensor.shape) != shape or dtype != expected.dtype:
        raise BackendError(
            f"output '{name}' came out as {shape_text(tuple(tensor.shape))} {dtype}, "
            f"but the analysis says {shape_text(shape)} {expected.dtype}",
            hint="the op's shape rule and its torch lowering disagree; please report this bug",
        )
