"""The ONNX backend: a spec becomes an ONNX ModelProto emitted directly from the IR
(no tracing), and runs in onnxruntime on the execution provider asked for.

Python API: `model.to_onnx(weights=..., seed=..., opset=..., functions=..., optimize=...)`
(see `ExportOptions`), `archdsl.backends.onnx.export_bytes(model, ...)` for the serialized model
(much faster than `to_onnx(...).SerializeToString()`), `archdsl.backends.onnx.export_file(model, path, ...)`
to write a checked .onnx file streamed from the weights (what `archdsl export` does),
`archdsl.backends.onnx.session(...)` for an onnxruntime session.
CLI: `archdsl export`, `archdsl build --backend onnx`, `archdsl run` (`archdsl bench`, torch against
onnxruntime, is the CLI's: archdsl/bench.py).
onnx and onnxruntime are imported only when the backend is used.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from archdsl.backends import Backend, CommandKit
from archdsl.lowering import Lowerable, Lowering, lowering_of
from archdsl.progress import stage


def lower(model: Lowering | Lowerable, **options: Any) -> Any:
    """The spec as an ONNX ModelProto (options: see archdsl.backends.onnx.export.ExportOptions)."""
    from archdsl.backends.onnx.export import lower as lower_

    return lower_(lowering_of(model), **options)


def export_bytes(model: Lowering | Lowerable, **options: Any) -> bytes:
    """The spec as serialized ONNX, the bytes of `lower(model, **options).SerializeToString()`."""
    from archdsl.backends.onnx.export import ExportOptions
    from archdsl.backends.onnx.export import export_bytes as export_bytes_

    return export_bytes_(lowering_of(model), ExportOptions(**options))


def export_file(model: Lowering | Lowerable, path: str | os.PathLike[str], checked: bool = True, **options: Any) -> int:
    """Write the spec's ONNX model to `path` atomically, streamed from the weights, once (with
    `checked`) the ONNX checker has passed its structure; the file's size in bytes."""
    from archdsl.backends.onnx.export import ExportOptions
    from archdsl.backends.onnx.export import export_file as export_file_

    return export_file_(lowering_of(model), path, ExportOptions(**options), checked)[1]


def session(model: Any, provider: str = "cpu", allow_fallback: bool = False, **options: Any) -> Any:
    """An onnxruntime session on `provider` for a loaded model (or its Lowering), a ModelProto,
    or a path to an .onnx file."""
    from archdsl.backends.onnx.runtime import open_session

    return open_session(model, provider=provider, allow_fallback=allow_fallback, **options)


def build(lowering: Lowering, args: argparse.Namespace) -> str:
    """`archdsl build --backend onnx`: the same as `archdsl export`."""
    with stage("importing onnx"):
        from archdsl.backends.onnx.cli import build as build_

    return build_(lowering, args)


def add_build_arguments(group: argparse._ArgumentGroup) -> None:
    from archdsl.backends.onnx.options import add_build_arguments as add

    add(group)


def register_commands(sub: Any, kit: CommandKit) -> None:
    from archdsl.backends.onnx.options import register_commands as register

    register(sub, kit)


def _ops() -> set[str]:
    from archdsl.backends.onnx.rules import load_rules

    return set(load_rules())


BACKEND = Backend(
    name="onnx",
    description="ONNX: a ModelProto emitted from the IR (opset 18+, dynamic batch), run with onnxruntime",
    lower=lower,
    build=build,
    add_build_arguments=add_build_arguments,
    shared_options=frozenset({"seed"}),
    register_commands=register_commands,
    ops=_ops,
)

__all__ = ["BACKEND", "export_bytes", "export_file", "lower", "session"]
