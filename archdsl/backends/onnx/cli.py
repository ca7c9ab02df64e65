"""`archdsl export`, `archdsl build --backend onnx` and `archdsl run`.

The subcommands get the CLI's spec loader (`load`, from the CommandKit) as an argument."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from archdsl.errors import BackendError, SpecError
from archdsl.fileio import write_atomic
from archdsl.lowering import Lowering
from archdsl.progress import stage

Loader = Callable[[argparse.Namespace], Lowering]


def export_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ExportOptions fields set on the command line."""
    return {
        "weights": getattr(args, "weights", None),
        "seed": getattr(args, "seed", None),
        "opset": getattr(args, "opset", None),
        "functions": bool(getattr(args, "functions", False)),
        "optimize": not getattr(args, "no_optimize", False),
    }


def write_model(lowering: Lowering, args: argparse.Namespace, output: str | None) -> str:
    """Export, check, and write `output` atomically when given (streamed from the weights); the summary line."""
    from archdsl.backends.onnx.checks import check_structure
    from archdsl.backends.onnx.export import ExportOptions, export_file, exported

    started = time.perf_counter()
    options = ExportOptions(**export_options(args))
    if output:
        proto, size = export_file(lowering, output, options)
    else:
        result = exported(lowering, options)
        with stage("checking the ONNX model"):
            check_structure(result.model, lowering.graph)
        proto, size = result.model, result.size()  # the header: what the summary reads
    where = f"wrote {output}" if output else "checked (not written: pass -o FILE.onnx)"
    return (f"{where}: opset {proto.opset_import[0].version}, {len(proto.graph.node)} nodes, "
            f"{len(proto.functions)} functions, {len(proto.graph.initializer)} initializers, "
            f"{size / 2**20:.1f} MiB [{time.perf_counter() - started:.2f} s]")


def build(lowering: Lowering, args: argparse.Namespace) -> str:
    """`archdsl build SPEC --backend onnx [-o model.onnx]`."""
    output = getattr(args, "output", None)
    if output and Path(output).suffix != ".onnx":
        raise BackendError(f"the onnx backend writes .onnx files, not '{Path(output).suffix or output}'",
                           hint="use -o NAME.onnx")
    return write_model(lowering, args, output)


def export_command(args: argparse.Namespace, load: Loader) -> int:
    """`archdsl export SPEC [-o OUT.onnx] ...`."""
    lowering = load(args)
    output = args.output or f"{lowering.graph.name}.onnx"
    print(build(lowering, argparse.Namespace(**{**vars(args), "output": output})))
    return 0


def run_command(args: argparse.Namespace, load: Loader) -> int:
    """`archdsl run SPEC_OR_ONNX --provider ... [--batch B] [--data IN.npz] [--save OUT.npz]`."""
    import numpy as np

    from archdsl.backends.onnx.feeds import load_feeds, random_feeds
    from archdsl.backends.onnx.runtime import open_session

    if (args.batch is not None and args.batch < 1) or args.runs < 1:
        raise SpecError("--batch and --runs must be at least 1")
    source, signature = _source(args, load)
    session = open_session(source, provider=args.provider, allow_fallback=args.allow_fallback, fp16=args.trt_fp16)
    for note in session.notes:
        print(f"warning: {note}", file=sys.stderr)
    feeds = load_feeds(args.data, signature, args.batch) if args.data else random_feeds(signature, args.batch or 1)
    times, outputs = [], {}
    for _ in range(args.runs):
        start = time.perf_counter()
        outputs = session.run(feeds)
        times.append(time.perf_counter() - start)
    print(f"{signature.name}: batch {signature.batch_of(feeds)} on {session.providers[0]}, "
          f"{statistics.median(times) * 1e3:.2f} ms (median of {args.runs})")
    for name, value in outputs.items():
        print(f"  {name}: {'×'.join(map(str, value.shape))} {value.dtype}  {_stats(value)}")
    if args.save:
        write_atomic(args.save, _npz(np, outputs))
    return 0


def _source(args: argparse.Namespace, load: Loader) -> tuple[Any, Any]:
    """The model to run (an .onnx path, or the spec exported) and its input signature."""
    from archdsl.backends.onnx.feeds import Signature

    if args.spec.endswith(".onnx"):
        given = [flag for flag, value in (("-p", args.param), ("--input", args.input), ("--weights", args.weights),
                                          ("--seed", args.seed), ("--opset", args.opset), ("--functions", args.functions),
                                          ("--no-optimize", args.no_optimize)) if value]
        if given:
            raise SpecError(f"{given[0]} applies to specs; '{args.spec}' is already an ONNX model")
        return args.spec, Signature.of_onnx(args.spec)
    lowering = load(args)
    from archdsl.backends.onnx.export import ExportOptions, export_bytes

    return export_bytes(lowering, ExportOptions(**export_options(args))), Signature.of_graph(lowering.graph)


def _stats(value: Any) -> str:
    if value.size == 0 or value.dtype.kind not in "fiu":
        return ""
    flat = value.astype("float64").ravel()
    return f"mean {flat.mean():.4g}  std {flat.std():.4g}  min {flat.min():.4g}  max {flat.max():.4g}"


def _npz(np: Any, arrays: dict[str, Any]) -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()
