"""Writing a diagram: DOT text as is, images through Graphviz's `dot` program."""

from __future__ import annotations

import subprocess
from pathlib import Path

import graphviz

from archdsl.errors import BackendError
from archdsl.fileio import write_atomic
from archdsl.progress import stage

FORMATS: dict[str, str] = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".pdf": "pdf"}
"""Output suffix → format; `dot` is the DOT source itself (needs no Graphviz install)."""

RASTER_DPI: dict[str, int] = {"png": 144}
"""Resolution of raster formats: dot's default (96 dpi) draws 8-point text 11 pixels high. Vector formats and
the DOT source carry no dpi, so they stay as they were."""

INSTALL_HINT = ("install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
                "(macOS) or `conda install graphviz`; or write a .dot file, which needs no Graphviz")


def output_format(path: str | Path) -> str:
    """The format an output path asks for by its suffix; a BackendError for any other."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        shown = f"'{suffix}'" if suffix else "no suffix"
        raise BackendError(f"cannot write a diagram to '{path}': {shown} is not a diagram format",
                           hint=f"use one of {', '.join(FORMATS)}")
    return FORMATS[suffix]


def image(source: str, fmt: str) -> bytes:
    """Lay out DOT `source` with `dot` and return the image bytes (dot's warnings go to stderr)."""
    if fmt in RASTER_DPI:  # a root-graph attribute may stand anywhere in the body: add it before the last '}'
        source = f"{source.rstrip().removesuffix('}')}\tdpi={RASTER_DPI[fmt]}\n}}\n"
    try:
        with stage(f"laying out the diagram with Graphviz dot ({fmt})"):
            return graphviz.pipe("dot", fmt, source.encode("utf-8"))
    except graphviz.ExecutableNotFound:
        raise BackendError(f"drawing {fmt.upper()} needs Graphviz's `dot` program, which is not installed "
                           "(or not on PATH)", hint=INSTALL_HINT) from None
    except subprocess.CalledProcessError as exc:
        message = (exc.stderr or b"").decode("utf-8", "replace").strip() or f"exit status {exc.returncode}"
        raise BackendError(f"Graphviz `dot` failed to draw the diagram: {message}") from None


def write(source: str, path: str | Path) -> str:
    """Write DOT `source` to `path` in the format its suffix names (atomically); return the format."""
    fmt = output_format(path)
    write_atomic(path, source if fmt == "dot" else image(source, fmt))
    return fmt
