"""The torch backend against torchvision: ResNet-50 built from YAML vs torchvision.models.resnet50.

Run: `python -m benchmarks.torch_backend [--quick] [--device cpu|cuda] [--no-compile]`.

- forward throughput, eval mode, no_grad, batch 1 and 8: the same weights (torchvision's,
  loaded strictly) and the same input on both sides; target ≥ 0.99× torchvision;
- build time: `archdsl.load("resnet50").to_torch()` (YAML read, expansion, init rules, fx
  codegen) vs `torchvision.models.resnet50()`; target ≤ 1.1× torchvision's time;
- torch.export and torch.compile (inductor) of the built ResNet-50 vs the same on
  torchvision's, with the compiled forward's throughput (skipped by --quick and --no-compile).

Every row times the two sides alternately (benchmarks.common.interleaved) and reports medians.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

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
                 label: str = "forward") -> list[Result]:
    rows = []
    for batch, calls in ((1, 5), (8, 1)):
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
            FORWARD_TARGET, repeats=5 if quick else 15, warmup=1 if quick else 2,
        ))
    return rows


def build_row(quick: bool) -> Result:
    return speedup(
        f"build {MODEL} from YAML (load, expand, init, fx) vs torchvision.models.{MODEL}() — time ≤ 1.1×",
        lambda: archdsl.load(MODEL).to_torch(), torchvision.models.resnet50,
        BUILD_TARGET, repeats=5 if quick else 11, warmup=1,
    )


def export_row(ours: torch.nn.Module, theirs: torch.nn.Module, device: torch.device) -> Result:
    x = torch.randn(2, 3, 224, 224, device=device)
    batch = {0: torch.export.Dim("batch")}
    return speedup(
        f"torch.export {MODEL} (dynamic batch) vs the same on torchvision's",
        lambda: torch.export.export(ours, (x,), dynamic_shapes=(batch,)),
        lambda: torch.export.export(theirs, (x,), dynamic_shapes=(batch,)),
        0.9, repeats=3, warmup=0,
    )


def compiled_rows(ours: torch.nn.Module, theirs: torch.nn.Module, device: torch.device, quick: bool) -> list[Result]:
    """Inductor-compiled forward of both; the first call (compilation) is the warm-up."""
    return forward_rows(torch.compile(ours), torch.compile(theirs), device, quick, label="torch.compile forward")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs, no export or compile (smoke test)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--no-compile", action="store_true", help="skip torch.export and torch.compile")
    args = parser.parse_args()
    device = torch.device(args.device)
    print(machine())
    print(f"device {device}, torch threads {torch.get_num_threads()}")
    print()
    ours, theirs = pair(device)
    results = [*forward_rows(ours, theirs, device, args.quick), build_row(args.quick)]
    if not (args.quick or args.no_compile):
        results.append(export_row(ours, theirs, device))
        results.extend(compiled_rows(ours, theirs, device, args.quick))
    print(format_table(results))


if __name__ == "__main__":
    main()
