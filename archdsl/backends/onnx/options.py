"""The ONNX backend's command-line options and subcommands (argparse only: no onnx import,
so `archdsl --help` stays fast)."""

from __future__ import annotations

import argparse
from functools import partial
from typing import Any

from archdsl.backends import Arguments, CommandKit

PROVIDER_NAMES = ("cpu", "cuda", "tensorrt")


def add_build_arguments(group: Arguments) -> None:
    """The backend's own export options: --weights, --opset, --functions, --no-optimize
    (`archdsl build --backend onnx` also reads the CLI's --seed)."""
    group.add_argument("--weights", metavar="CKPT",
                       help="a state_dict to export, torch backend names (.safetensors, .npz, or .pt/.pth: "
                            "only that one needs torch); default: initial weights")
    group.add_argument("--opset", type=int, default=None, metavar="N",
                       help="ONNX opset (default: the oldest, 18 or newer, that expresses every op)")
    group.add_argument("--functions", action="store_true",
                       help="emit each block kind as an ONNX local function, called per instance")
    group.add_argument("--no-optimize", dest="no_optimize", action="store_true",
                       help="keep BatchNorm, dropout, identities and train-only outputs (no inference rewrites)")


def add_export_arguments(parser: argparse.ArgumentParser, kit: CommandKit) -> None:
    """The export options and the CLI's --seed."""
    add_build_arguments(parser)
    kit.add_shared_option(parser, "seed")


def add_provider_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", choices=PROVIDER_NAMES, default="cpu",
                        help="onnxruntime execution provider (default: cpu)")
    parser.add_argument("--allow-fallback", action="store_true",
                        help="run on what onnxruntime could start when the provider cannot (default: fail)")
    parser.add_argument("--trt-fp16", action="store_true", help="TensorRT: allow half-precision kernels")


def register_commands(sub: Any, kit: CommandKit) -> None:
    """Add `archdsl export` and `archdsl run`."""
    from archdsl.backends.onnx import cli

    p = sub.add_parser("export", help="write an ONNX model (opset 18+, dynamic batch) for a spec",
                       description="Emit ONNX straight from the IR: spec names on nodes and initializers.")
    kit.add_spec_arguments(p)
    p.add_argument("-o", "--output", metavar="OUT.onnx", help="where to write it (default: <model name>.onnx)")
    add_export_arguments(p, kit)
    p.set_defaults(run=partial(cli.export_command, load=kit.load))

    p = sub.add_parser("run", help="run a spec (or an .onnx file) in onnxruntime on random or given inputs")
    kit.add_spec_arguments(p)
    p.add_argument("--backend", choices=("onnx",), default="onnx", help="the backend that runs it (default: onnx)")
    add_provider_arguments(p)
    p.add_argument("--batch", type=int, default=None, metavar="B",
                   help="batch size (default: 1, or what --data holds)")
    p.add_argument("--data", metavar="IN.npz", help="inputs by name (numpy.savez); default: seeded random")
    p.add_argument("--save", metavar="OUT.npz", help="write the outputs by name (atomically)")
    p.add_argument("--runs", type=int, default=1, metavar="N", help="run N times and report the median time")
    add_export_arguments(p, kit)
    p.set_defaults(run=partial(cli.run_command, load=kit.load))

