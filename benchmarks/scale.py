"""Scale: analyse and build generated specs of ~1k, 10k and 50k nodes.

Each size runs in a fresh process (so its memory is its own), a few times;
the table gives median CPU seconds and the resident memory the model holds
(RSS growth while the loaded, analysed model and then the built module stay
alive), per node too, to show that both grow linearly. Run: `python -m benchmarks.scale [--quick]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

SPEC = Path(__file__).with_name("data") / "deep_residual.yaml"
NODES_PER_BLOCK = 7
SIZES = {"1k": 143, "10k": 1428, "50k": 7142}

CHILD = r"""
import json, resource, sys, time
import archdsl
from archdsl.limits import Limits
spec, blocks, build = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "build"
if build:
    import torch, archdsl.backends.torch.lower  # imports are not part of either figure
limits = Limits(graph_nodes=100_000, repeat=100_000)
def rss():  # resident KiB now (peak RSS would stay at the imports' high-water mark)
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() // 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
base = rss()
start = time.process_time()
model = archdsl.load(spec, limits=limits, blocks=blocks)
model.analyze()
analysed, analysed_rss = time.process_time(), rss()
if build:
    model.to_torch(seed=0)
done = time.process_time()
print(json.dumps({"nodes": len(model.graph), "analyze": analysed - start, "build": done - analysed,
                  "analyze_kib": analysed_rss - base, "build_kib": rss() - analysed_rss}))
"""


def measure(blocks: int, build: bool, runs: int) -> dict[str, float]:
    """Median CPU seconds of analyze (and torch build) and the RSS each holds, over fresh processes."""
    samples = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", CHILD, str(SPEC), str(blocks), "build" if build else "analyze"],
                              capture_output=True, text=True, check=True)
        samples.append(json.loads(done.stdout))
    return {
        "nodes": samples[0]["nodes"],
        "analyze": statistics.median(s["analyze"] for s in samples),
        "build": statistics.median(s["build"] for s in samples),
        "analyze_mib": statistics.median(s["analyze_kib"] for s in samples) / 1024,
        "build_mib": statistics.median(s["build_kib"] for s in samples) / 1024,
    }


def table(rows: dict[str, dict[str, float]], build: bool) -> str:
    lines = ["| spec | nodes | analyze (CPU s) | µs / node | RSS held (MiB) | KiB / node "
             "| torch build (CPU s) | µs / node | RSS it adds (MiB) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in rows.items():
        n = r["nodes"]
        build_cells = f"{r['build']:.2f} | {r['build'] / n * 1e6:.0f} | {r['build_mib']:.0f}" if build else "– | – | –"
        lines.append(f"| {name} | {n:,} | {r['analyze']:.2f} | {r['analyze'] / n * 1e6:.0f} | "
                     f"{r['analyze_mib']:.0f} | {r['analyze_mib'] * 1024 / n:.1f} | {build_cells} |")
    return "\n".join(lines)


def measure_all(quick: bool = False) -> dict[str, dict[str, float]]:
    """Every size (quick: the 1k and 10k sizes, one run each, analysis only)."""
    sizes = {k: v for k, v in SIZES.items() if not quick or k != "50k"}
    return {name: measure(blocks, not quick, 1 if quick else 3) for name, blocks in sizes.items()}


def run(quick: bool = False) -> str:
    """The scale table."""
    return table(measure_all(quick), build=not quick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    print(run(parser.parse_args().quick))


if __name__ == "__main__":
    main()
