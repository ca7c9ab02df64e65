"""The torch backend against torchvision: ResNet-50 built from YAML vs torchvision.models.resnet50.

Run: `python -m benchmarks.torch_backend [--quick] [--device cpu|cuda] [--no-compile] [--threads N] [--cpu-time]`.

- forward throughput, eval mode, no_grad, batch 1 and 8: the same weights (torchvision's,
  loaded strictly) and the same input on both sides; target ≥ 0.99× torchvision;
- build time: `archdsl.load("resnet50").to_torch()` (YAML read, expansion, init rules, fx
  codegen) vs `torchvision.models.resnet50()`; target ≤ 1.1× torchvision's time;
- torch.export and torch.compile (inductor) of the built ResNet-50 vs the same on
  torchvision's, with the compiled forward's throughput (skipped by --quick and --no-compile).

Every row times the two sides alternately (benchmarks.common.interleaved) and reports medians.
On a machine that other jobs load, `--threads 1 --cpu-time` measures the work itself (CPU
time of this process) rather than what the scheduler left of the wall clock.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial

import torch
import torchvision

import archdsl
from benchmarks.common import Result, format_table, machine, speedup

MODEL = "resnet50"
FORWARD_TARGET = 0.99
BUILD_TARGET = 1 / 1.1
"""Build time at most 1.1× torchvision's, as a ratio where higher is better."""


def synchronised(call: Callable[[], object], device: torch.device) -> Callable[[], object]:
    """`call`, waiting for the GPU to finish so the time is the work's."""
    if device.type != "cuda":
        return call

    def timed() -> object:
        result = call()
        torch.cuda.synchronize(device)
        return result

    return timed


def pair(device: torch.device) -> tuple[torch.nn.Module, torch.nn.Module]:
    """Ours and torchvision's ResNet-50 with the same (torchvision's) weights, eval mode, on `device`."""
    theirs = torchvision.models.resnet50().eval()
    ours = archdsl.load(MODEL).to_torch().eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    return ours.to(device), theirs.to(device)


def forward_rows(ours: torch.nn.Module, theirs: torch.nn.Module, device: torch.device, quick: bool,
                 clock: Callable[[], float], label: str = "forward") -> list[Result]:
    rows = []
    for batch, calls in ((1, 5), (8, 1))[: 1 if quick else 2]:
        x = torch.randn(batch, 3, 224, 224, device=device)
        with torch.no_grad():
            torch.testing.assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-4)

        def run(module: torch.nn.Module, x: torch.Tensor = x, calls: int = calls) -> None:
            with torch.no_grad():
                for _ in range(calls):
                    module(x)

        rows.append(speedup(
            f"{label} {MODEL} batch {batch} ({calls} call{'s' if calls > 1 else ''} per run), throughput vs torchvision",
            synchronised(lambda run=run: run(ours), device), synchronised(lambda run=run: run(theirs), device),
            FORWARD_TARGET, repeats=3 if quick else 15, warmup=1 if quick else 2, clock=clock,
        ))
    return rows


def build_row(quick: bool, clock: Callable[[], float]) -> Result:
    return speedup(
        f"build {MODEL} from YAML (load, expand, init, fx) vs torchvision.models.{MODEL}() — time ≤ 1.1×",
        lambda: archdsl.load(MODEL).to_torch(), torchvision.models.resnet50,
        BUILD_TARGET, repeats=3 if quick else 11, warmup=1, clock=clock,
    )


def export_row(ours: torch.nn.Module, theirs: torch.nn.Module, device: torch.device, clock: Callable[[], float]) -> Result:
    x = torch.randn(2, 3, 224, 224, device=device)
    batch = {0: torch.export.Dim("batch")}
    return speedup(
        f"torch.export {MODEL} (dynamic batch) vs the same on torchvision's",
        lambda: torch.export.export(ours, (x,), dynamic_shapes=(batch,)),
        lambda: torch.export.export(theirs, (x,), dynamic_shapes=(batch,)),
        0.9, repeats=3, warmup=0, clock=clock,
    )


def compiled_rows(ours: torch.nn.Module, theirs: torch.nn.Module, device: torch.device, quick: bool,
                  clock: Callable[[], float]) -> list[Result]:
    """Inductor-compiled forward of both; the first call (compilation) is the warm-up."""
    return forward_rows(torch.compile(ours), torch.compile(theirs), device, quick, clock, label="torch.compile forward")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="batch 1 only, fewer runs, no export or compile (smoke test)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--no-compile", action="store_true", help="skip torch.export and torch.compile")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--cpu-time", action="store_true", help="time CPU time of this process, not wall time")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    clock = time.process_time if args.cpu_time else time.perf_counter
    print(machine())
    print(f"device {device}, torch threads {torch.get_num_threads()}, clock {'CPU time' if args.cpu_time else 'wall'}")
    print()
    ours, theirs = pair(device)
    rows = partial(forward_rows, ours, theirs, device, args.quick, clock)
    print(format_table([*rows(), build_row(args.quick, clock)]), flush=True)
    if not (args.quick or args.no_compile):
        print()
        print(format_table([export_row(ours, theirs, device, clock), *compiled_rows(ours, theirs, device, args.quick, clock)]))


if __name__ == "__main__":
    main()
