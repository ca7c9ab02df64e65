"""Timing helpers shared by every benchmark: interleaved runs, medians, ratios, machine facts."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Seconds per call over several runs."""

    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def spread(self) -> float:
        """Half the inter-quartile range relative to the median (a robust ± figure)."""
        if len(self.runs) < 4:
            return (max(self.runs) - min(self.runs)) / 2 / self.median
        q1, _, q3 = statistics.quantiles(self.runs, n=4)
        return (q3 - q1) / 2 / self.median


@dataclass(frozen=True)
class Result:
    """One row of a benchmark table: ours vs theirs, as a ratio with a target."""

    name: str
    ours: Timing
    theirs: Timing
    ratio: float
    """How many times better ours is (theirs / ours for times; ours / theirs for throughput)."""
    target: float
    unit: str = "s"

    @property
    def met(self) -> bool:
        return self.ratio >= self.target


def interleaved(
    ours: Callable[[], object], theirs: Callable[[], object], repeats: int, warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter, settle: int = 0, setup: Callable[[], object] | None = None,
) -> tuple[Timing, Timing]:
    """Time two callables alternately, so drift on a shared machine hits both alike.

    `clock` is wall time by default; `time.process_time` (CPU time of this process) is steadier
    on a machine that other jobs load, for single-threaded work. `settle` untimed calls of the
    same callable precede each timed one: a call can cost more right after the other side's
    (onnxruntime sessions each keep a spinning thread pool), and A B, B A, ... gives the two
    sides unequal numbers of such calls. `setup` (untimed) runs right before each of our timed
    calls: emptying archdsl's caches (`cold_caches`) is the harness's work, not the user's."""
    for _ in range(warmup):
        ours()
        theirs()
    a: list[float] = []
    b: list[float] = []
    for index in range(repeats):
        pair = ((ours, a), (theirs, b)) if index % 2 == 0 else ((theirs, b), (ours, a))
        for call, sink in pair:
            for _ in range(settle):
                call()
            if setup is not None and call is ours:
                setup()
            start = clock()
            call()
            sink.append(clock() - start)
    return Timing(tuple(a)), Timing(tuple(b))


def speedup(
    name: str, ours: Callable[[], object], theirs: Callable[[], object], target: float, repeats: int, warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter, settle: int = 0, setup: Callable[[], object] | None = None,
) -> Result:
    """A row where smaller time is better: ratio = their median / our median."""
    mine, other = interleaved(ours, theirs, repeats, warmup, clock, settle, setup)
    return Result(name, mine, other, other.median / mine.median, target)


def installed(package: str) -> bool:
    """Whether the distribution `package` is installed (a reference tool may be absent)."""
    import importlib.metadata as md

    try:
        md.version(package)
    except md.PackageNotFoundError:
        return False
    return True


def machine() -> str:
    """One line naming the machine and the versions that matter."""
    import importlib.metadata as md

    versions = []
    for package in ("torch", "torchvision", "onnx", "onnxruntime-gpu", "onnxruntime", "torchinfo", "fvcore"):
        try:
            versions.append(f"{package} {md.version(package)}")
        except md.PackageNotFoundError:
            continue
    cpu = platform.processor() or platform.machine()
    return f"{platform.system()} {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}; " + ", ".join(versions)


def format_table(results: list[Result]) -> str:
    """A Markdown table of results."""
    lines = ["| benchmark | archdsl (median) | reference (median) | ratio | target | met |", "|---|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(
            f"| {r.name} | {shown(r.ours)} | {shown(r.theirs)} | {r.ratio:.2f}× | ≥ {r.target:g}× | {'met' if r.met else 'not met'} |"
        )
    return "\n".join(lines)


def shown(timing: Timing) -> str:
    """A median with its relative spread, in ms or s."""
    median = timing.median
    text = f"{median * 1e3:.2f} ms" if median < 1 else f"{median:.2f} s"
    return f"{text} ± {timing.spread * 100:.0f}%"


def cold_caches() -> None:
    """Empty archdsl's memo caches (expressions, YAML scalars, op attributes, costs, receptive
    steps), so a repeated in-process run costs what a user's first run in a fresh process does
    once the modules are imported. Registries (backends, plugins) stay: they are imports."""
    import sys

    for name, module in list(sys.modules.items()):
        if not name.startswith("archdsl.") or name.startswith(("archdsl.backends", "archdsl.plugin")):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name:
                value.cache_clear()


@dataclass(frozen=True)
class Row:
    """One line of the combined report: a comparison or a budget, its target and the verdict."""

    section: str
    name: str
    ours: str
    reference: str
    figure: str
    target: str
    met: bool | None
    """None: not measurable here (the reason is in `figure`)."""
    headline: bool = False

    @classmethod
    def of(cls, section: str, result: Result, headline: bool = False, target: str | None = None) -> Row:
        """A ratio row from a timed comparison."""
        return cls(section, result.name, shown(result.ours), shown(result.theirs), f"{result.ratio:.3g}×",
                   target or f"≥ {result.target:g}×", result.met, headline)

    @property
    def verdict(self) -> str:
        return "–" if self.met is None else "met" if self.met else "not met"
