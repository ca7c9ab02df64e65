"""`archdsl bench`: torch eager against onnxruntime, side by side (archdsl/bench.py).

It compares two backends, so it belongs to neither: the CLI offers it when both are installed.
"""

from __future__ import annotations

import argparse

from archdsl.backends import backends
from archdsl.cli.common import add_spec_arguments, load_model

COMPARED = ("torch", "onnx")


def add_bench_command(sub: argparse._SubParsersAction) -> None:
    """Register `archdsl bench` when the torch and onnx backends are both installed."""
    if not set(COMPARED) <= set(backends()):
        return
    p = sub.add_parser("bench", help="latency and throughput: torch eager vs onnxruntime, side by side")
    add_spec_arguments(p)
    p.add_argument("--backends", default="torch,onnx", metavar="LIST",
                   help="comma-separated, from: torch, torch-amp, onnx, onnx-tensorrt, onnx-tensorrt-fp16")
    p.add_argument("--batch", default="1,8", metavar="LIST", help="batch sizes, comma-separated (default: 1,8)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="where to run (default: cpu)")
    p.add_argument("--runs", type=int, default=20, metavar="N", help="timed runs per backend and batch")
    p.add_argument("--warmup", type=int, default=3, metavar="N", help="untimed runs first")
    p.add_argument("--threads", type=int, default=None, metavar="N", help="CPU threads for both (default: all)")
    p.add_argument("--seed", type=int, default=None, metavar="N", help="seed of the weights (default: 0)")
    p.add_argument("--no-optimize", dest="no_optimize", action="store_true", help="export without the rewrites")
    p.set_defaults(run=bench)


def bench(args: argparse.Namespace) -> int:
    """Run `archdsl bench` (archdsl.bench imports torch and onnxruntime, so only when asked)."""
    from archdsl.bench import bench_command

    return bench_command(args, load_model)
