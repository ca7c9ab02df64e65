"""Hostile YAML: how fast, and in how little memory, archdsl rejects it.

Run: `python -m benchmarks.adversarial [--runs N]`. Every measurement
runs in a fresh interpreter, so peak memory belongs to that one load: the time
and RSS growth come from a plain run, the Python-heap peak from a second run
under tracemalloc. Reported: the median of N runs. PyYAML's own `safe_load` is
shown beside each document for reference (what a plain loader does with it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import machine


def billion_laughs(levels: int = 10, fan: int = 10) -> str:
    """`levels` anchors, each a list of `fan` aliases of the previous: fan**levels values."""
    lines = ["archdsl: 1", "a0: &a0 [" + ", ".join(['"lol"'] * fan) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fan) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


DOCUMENTS = {
    "billion laughs (10^10 values)": (lambda: billion_laughs(), {}),
    "10,000-deep flow lists": (lambda: "archdsl: 1\nx: " + "[" * 10_000 + "]" * 10_000 + "\n", {}),
    "10,000-deep flow mappings": (lambda: "archdsl: 1\nx: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", {}),
    "10,000-deep block lists": (lambda: "archdsl: 1\nx:\n" + "- " * 10_000 + "1\n", {}),
    "1 MB flat list (520,000 values)": (lambda: "archdsl: 1\nx: [" + ",".join(["1"] * 520_000) + "]\n",
                                          {"file_bytes": 1 << 21}),
    "2,000-deep, accepted (yaml_depth raised to 5,000)": (
        lambda: "archdsl: 1\nx: " + "[" * 2_000 + "]" * 2_000 + "\n", {"yaml_depth": 5_000}),
}

CHILD = r"""
import json, resource, sys, time, tracemalloc
from pathlib import Path
from archdsl.errors import ArchdslError
from archdsl.limits import Limits
from archdsl.model import load
import yaml
path, limits, mode = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
warm = Path(path).with_name("warm.yaml")
warm.write_text("archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph: [relu]\n")
load(str(warm)); yaml.safe_load(warm.read_text())  # first-use costs are not the document's
def attempt():
    if mode == "pyyaml":
        try:
            yaml.safe_load(Path(path).read_text()); return "accepted (aliases shared, not expanded)"
        except RecursionError:
            return "RecursionError"
        except yaml.YAMLError as exc:
            return "YAMLError: " + str(exc).splitlines()[0]
    try:
        load(path, limits=Limits(**limits)); return "accepted"
    except ArchdslError as exc:
        return exc.message
if len(sys.argv) > 4:
    tracemalloc.start(); attempt(); print(json.dumps({"heap": tracemalloc.get_traced_memory()[1]}))
else:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter(); outcome = attempt(); seconds = time.perf_counter() - start
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"seconds": seconds, "rss_kib": grown, "outcome": outcome}))
"""


@dataclass(frozen=True)
class Row:
    """Medians over the runs of one document under one loader."""

    document: str
    loader: str
    seconds: float
    rss_kib: float
    heap_bytes: float
    outcome: str


def _child(path: Path, limits: dict, mode: str, traced: bool = False) -> dict:
    argv = [sys.executable, "-c", CHILD, str(path), json.dumps(limits), mode] + (["traced"] if traced else [])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(name: str, path: Path, limits: dict, mode: str, runs: int) -> Row:
    plain = [_child(path, limits, mode) for _ in range(runs)]
    heap = [_child(path, limits, mode, traced=True)["heap"] for _ in range(max(1, runs // 2))]
    return Row(name, mode, statistics.median(r["seconds"] for r in plain),
               statistics.median(r["rss_kib"] for r in plain), statistics.median(heap), plain[0]["outcome"])


def table(rows: list[Row]) -> str:
    lines = ["| document | loader | time (median) | RSS growth | Python heap peak | outcome |",
             "|---|---|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r.document} | {r.loader} | {r.seconds * 1e3:.1f} ms | {r.rss_kib / 1024:.1f} MiB "
                     f"| {r.heap_bytes / 2**20:.2f} MiB | {r.outcome[:90]} |")
    return "\n".join(lines)


HOSTILE = tuple(name for name, (_, limits) in DOCUMENTS.items() if not limits)
"""The documents that must be rejected under the default limits."""


def run(runs: int, folder: Path, documents: tuple[str, ...] = tuple(DOCUMENTS), pyyaml: bool = True) -> list[Row]:
    """Each of `documents` under archdsl (and, with `pyyaml`, under PyYAML's safe_load when
    the default limits apply), `runs` fresh processes each."""
    rows = []
    for index, (name, (make, limits)) in enumerate(DOCUMENTS.items()):
        if name not in documents:
            continue
        path = folder / f"adversarial{index}.yaml"
        path.write_text(make(), encoding="utf-8")
        rows.append(measure(name, path, limits, "archdsl", runs))
        if pyyaml and not limits:
            rows.append(measure(name, path, limits, "pyyaml", runs))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per document (median reported)")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        rows = run(args.runs, Path(folder))
    text = (f"Machine: {machine()}\n\nMedian of {args.runs} fresh processes per row "
            f"(heap peak: median of {max(1, args.runs // 2)} runs under tracemalloc).\n\n{table(rows)}\n")
    print(text)


if __name__ == "__main__":
    main()
