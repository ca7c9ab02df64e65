"""The ONNX backend's command-line options and subcommands (argparse only: no onnx import,
so `archdsl --help` stays fast)."""

from __future__ import annotations

import argparse
from typing import Any

from archdsl.cli.common import add_spec_arguments

PROVIDER_NAMES = ("cpu", "cuda", "tensorrt")


def _add(group: Any, flag: str, **kwargs: Any) -> None:
    """Add `flag` unless another backend's group already did (argparse forbids duplicates;
    the parsed value then serves both)."""
    try:
        group.add_argument(flag, **kwargs)
    except argparse.ArgumentError:
        pass


def add_export_arguments(group: Any) -> None:
    """--weights, --seed, --opset, --functions, --no-optimize."""
    _add(group, "--weights", metavar="CKPT",
         help="a state_dict (.pt/.pth, torch backend names; or .npz) to export; default: initial weights")
    _add(group, "--seed", type=int, default=None, metavar="N",
         help="seed the initial weights: the same seed gives the same weights (ONNX: 0 when not given)")
    _add(group, "--opset", type=int, default=None, metavar="N",
         help="ONNX opset (default: the oldest, 18 or newer, that expresses every op)")
    _add(group, "--functions", action="store_true",
         help="emit each block kind as an ONNX local function, called per instance")
    _add(group, "--no-optimize", dest="no_optimize", action="store_true",
         help="keep BatchNorm, dropout, identities and train-only outputs (no inference rewrites)")


def add_build_arguments(group: argparse._ArgumentGroup) -> None:
    """The options `archdsl build --backend onnx` adds."""
    add_export_arguments(group)


def add_provider_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", choices=PROVIDER_NAMES, default="cpu",
                        help="onnxruntime execution provider (default: cpu)")
    parser.add_argument("--allow-fallback", action="store_true",
                        help="run on what onnxruntime could start when the provider cannot (default: fail)")
    parser.add_argument("--trt-fp16", action="store_true", help="TensorRT: allow half-precision kernels")


def register_commands(sub: Any) -> None:
    """Add `archdsl export`, `archdsl run` and `archdsl bench`."""
    from backends.onnx import cli

    p = sub.add_parser("export", help="write an ONNX model (opset 18+, dynamic batch) for a spec",
                       description="Emit ONNX straight from the IR: spec names on nodes and initializers.")
    add_spec_arguments(p)
    p.add_argument("-o", "--output", metavar="OUT.onnx", help="where to write it (default: <model name>.onnx)")
    add_export_arguments(p)
    p.set_defaults(run=cli.export_command)

    p = sub.add_parser("run", help="run a spec (or an .onnx file) in onnxruntime on random or given inputs")
    add_spec_arguments(p)
    p.add_argument("--backend", choices=("onnx",), default="onnx", help="the backend that runs it (default: onnx)")
    add_provider_arguments(p)
    p.add_argument("--batch", type=int, default=None, metavar="B",
                   help="batch size (default: 1, or what --data holds)")
    p.add_argument("--data", metavar="IN.npz", help="inputs by name (numpy.savez); default: seeded random")
    p.add_argument("--save", metavar="OUT.npz", help="write the outputs by name (atomically)")
    p.add_argument("--runs", type=int, default=1, metavar="N", help="run N times and report the median time")
    add_export_arguments(p)
    p.set_defaults(run=cli.run_command)

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
    p.set_defaults(run=cli.bench_command)
