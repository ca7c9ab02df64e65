"""Diagrams: DOT for DenseNet-201 from the spec vs torchview's `draw_graph` on torchvision's model.

Run: `python -m benchmarks.graphviz_backend [--quick]`. Both sides make the same
diagram: full depth (every block a cluster; torchview `depth=10, expand_nested=True`)
and depth 1 (`features` open, dense blocks and transitions collapsed; torchview
`depth=2`). archdsl starts from the YAML (load, expand, analyse, draw); torchview
gets a built model and traces a forward pass on CPU, which is how it finds the graph.
Timings are interleaved, medians reported; the absolute table adds `dot -Tsvg`
layout times, which are the same whoever wrote the DOT.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable

import archdsl
from archdsl.backends.graphviz import to_dot
from benchmarks.common import Result, cold_caches, format_table, installed, machine, speedup

MODEL = "densenet201"
DOT_BUDGET_S = 1.0
"""Target for producing the DOT of the biggest diagram, spec file to text."""
VIEWS = (("full depth", None, 10), ("depth 1", 1, 2))
"""(name, archdsl depth, torchview depth) pairs that draw the same diagram."""


def from_spec(name: str, depth: int | None) -> str:
    """Spec file to DOT text: load, expand, analyse, draw."""
    return to_dot(archdsl.load(name), depth=depth)


def torchview_dot(net: object, size: tuple[int, ...], depth: int) -> Callable[[], str]:
    from torchview import draw_graph

    def draw() -> str:
        return draw_graph(net, input_size=(1, *size), depth=depth, expand_nested=True, device="cpu").visual_graph.source

    return draw


def ratios(quick: bool) -> list[Result]:
    """archdsl vs torchview for each view (the depth-1 view only with --quick)."""
    import torchvision

    net = torchvision.models.get_model(MODEL).eval()
    size = tuple(archdsl.load(MODEL).graph.inputs["x"].shape[1:])
    repeats = 1 if quick else 5
    views = VIEWS[1:] if quick else VIEWS
    return [
        speedup(f"DOT for {MODEL}, {label} vs torchview draw_graph(depth={theirs})",
                lambda ours=ours: from_spec(MODEL, ours), torchview_dot(net, size, theirs), 5, repeats,
                warmup=0 if quick else 1, setup=cold_caches)
        for label, ours, theirs in views
    ]


def median_time(call: Callable[[], object], repeats: int, setup: Callable[[], object] | None = None) -> float:
    """Median seconds of `call`; `setup` runs untimed before each."""
    runs = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def spec_to_dot_times(quick: bool) -> dict[str, float]:
    """Median seconds from the spec file to DOT text, per view (caches emptied each run)."""
    repeats = 3 if quick else 7

    return {label: median_time(lambda depth=depth: from_spec(MODEL, depth), repeats, cold_caches) for label, depth, _ in VIEWS}


def absolute(quick: bool, whole: dict[str, float] | None = None) -> list[str]:
    """Markdown rows: DOT from a loaded model, from the spec, and `dot -Tsvg` layout."""
    repeats = 3 if quick else 7
    whole = whole or spec_to_dot_times(quick)
    model = archdsl.load(MODEL)
    model.analyze()
    rows = ["| step | view | median | target |", "|---|---|---:|---|"]
    for label, depth, _ in VIEWS:
        source = to_dot(model, depth=depth)
        loaded = median_time(lambda depth=depth: to_dot(model, depth=depth), repeats)
        verdict = "met" if whole[label] < DOT_BUDGET_S else "not met"
        rows.append(f"| DOT from a loaded, analysed model | {label} | {loaded * 1e3:.0f} ms | |")
        rows.append(f"| DOT from the spec file | {label} | {whole[label] * 1e3:.0f} ms | < {DOT_BUDGET_S:g} s: {verdict} |")
        if shutil.which("dot"):
            layout = median_time(lambda source=source: _dot_svg(source), 1 if quick else 3)
            rows.append(f"| `dot -Tsvg` layout | {label} | {layout:.2f} s | |")
    return rows


def _dot_svg(source: str) -> None:
    subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=True, timeout=600)


def versions() -> str:
    dot = subprocess.run(["dot", "-V"], capture_output=True, text=True).stderr.strip() if shutil.which("dot") else "no dot"
    found = [f"{p} {md.version(p)}" for p in ("graphviz", "torchview") if installed(p)]
    return ", ".join([*found, dot])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="depth-1 comparison only, one run each (smoke test)")
    args = parser.parse_args()
    print(machine())
    print(versions())
    print()
    print("\n".join(absolute(args.quick)))
    print()
    if installed("torchview"):
        print(format_table(ratios(args.quick)))
    else:
        print("torchview is not installed (`pip install -e '.[bench]'`): no comparison")


if __name__ == "__main__":
    main()
