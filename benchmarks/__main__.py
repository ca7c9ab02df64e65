"""Every headline figure in one run: `python -m benchmarks [--quick] [--only SECTION,...] [--write]`.

Each section times archdsl side by side with the tool a user would otherwise reach for
(interleaved repetitions after warm-up, medians and spread), names its target and says
met / not met. `--write` stores the report in benchmarks/RESULTS.md and the headline rows
in README.md (between the benchmarks markers). `--quick` is a smoke test (under two minutes
on two cores): fewer models and repetitions, and it writes nothing unless `--output` says so.

Sections (each can be run on its own with `python -m benchmarks.<module>` for more detail):
analysis, torch, onnx, scale, graphviz, adversarial, gpu (only where CUDA is present).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from archdsl.fileio import write_atomic
from benchmarks.common import Row, installed, machine, shown

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
README = HERE.parent / "README.md"
MARKERS = ("<!-- benchmarks:start -->", "<!-- benchmarks:end -->")


@dataclass
class Section:
    """What one section measured: its rows and free-form notes (tables, skipped parts)."""

    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


SectionRun = Callable[[bool], Section]
SECTIONS: dict[str, SectionRun] = {}


def section(name: str) -> Callable[[SectionRun], SectionRun]:
    """Register a section under `name` (the order of registration is the report's order)."""

    def register(run: SectionRun) -> SectionRun:
        SECTIONS[name] = run
        return run

    return register


@section("analysis")
def _analysis(quick: bool) -> Section:
    from benchmarks import analysis

    out = Section()
    missing = [p for p in ("torchinfo", "fvcore") if not installed(p)]
    if missing:
        out.notes.append(f"skipped: {', '.join(missing)} not installed (`pip install -e '.[bench]'`)")
        return out
    for result in analysis.run(quick):
        row = Row.of("analysis", result, headline="resnet152 vs torchinfo" in result.name)
        if result.name.startswith(("floor:", "command line")) or "fvcore" in result.name:  # context, no target of ours
            row = replace(row, target="–", met=None)
        if result.target == analysis.COLD_START_TARGET and "(command)" in result.name:  # a time budget, shown as one
            row = replace(row, figure=f"{1 / result.ratio:.2f}× the time", target="≤ 2× the time")
        out.rows.append(row)
    return out


@section("torch")
def _torch(quick: bool) -> Section:
    import torch

    from benchmarks import torch_backend as tb

    clock = time.perf_counter
    device = torch.device("cpu")
    ours, theirs = tb.pair(device)
    out = Section(notes=[f"CPU, {torch.get_num_threads()} torch threads, wall clock"])
    for result in tb.forward_rows(ours, theirs, device, quick, clock):
        out.rows.append(Row.of("torch", result, headline=True))
    build = tb.build_row(quick, clock)
    out.rows.append(Row("torch", build.name.split(" — ")[0], shown(build.ours), shown(build.theirs),
                        f"{1 / build.ratio:.2f}× the time", "≤ 1.1× the time", build.met, headline=True))
    if quick:
        return out
    for result in tb.compiled_rows(ours, theirs, device, quick, clock):
        out.rows.append(Row.of("torch", result))
    return out


@section("onnx")
def _onnx(quick: bool) -> Section:
    from benchmarks import onnx_backend as ob

    out = Section()
    module, weights = ob.module_and_weights()
    for result in ob.export_results(module, weights, quick, dynamo=not quick):
        out.rows.append(Row.of("onnx", result, headline=True))
    for result in ob.throughput_results(module, weights, quick, batches=(1,) if quick else ob.BATCHES):
        out.rows.append(Row.of("onnx", result, headline="BN folded" in result.name))
    return out


@section("scale")
def _scale(quick: bool) -> Section:
    from benchmarks import scale

    measured = scale.measure_all(quick)
    out = Section(notes=[scale.table(measured, build=not quick)])
    ten = measured["10k"]
    out.rows.append(Row("scale", f"analyze a generated {ten['nodes']:,}-node spec (fresh process, CPU time)",
                        f"{ten['analyze']:.2f} s", "–", f"{ten['analyze']:.2f} s", "< 1 s", ten["analyze"] < 1.0,
                        headline=True))
    small, big = measured["1k"], measured["50k" if "50k" in measured else "10k"]
    for what in ("analyze", "build"):
        if quick and what == "build":
            continue
        growth = (big[what] / big["nodes"]) / (small[what] / small["nodes"])
        out.rows.append(Row("scale", f"{what} CPU time per node, {big['nodes']:,} vs {small['nodes']:,} nodes",
                            f"{big[what] / big['nodes'] * 1e6:.0f} µs/node", f"{small[what] / small['nodes'] * 1e6:.0f} µs/node",
                            f"{growth:.2f}×", "≤ 1.5× (linear)", growth <= 1.5))
    if not quick:  # 1k nodes grow the heap too little to measure; compare 10k with 50k
        mid = measured["10k"]
        held = {"analysed model": lambda r: r["analyze_mib"], "built torch module": lambda r: r["build_mib"]}
        for label, peak in held.items():
            per_big, per_mid = peak(big) * 1024 / big["nodes"], peak(mid) * 1024 / mid["nodes"]
            growth = per_big / per_mid if per_mid > 0 else float("inf")
            out.rows.append(Row("scale", f"RSS held by the {label} per node, {big['nodes']:,} vs {mid['nodes']:,} nodes",
                                f"{per_big:.1f} KiB/node", f"{per_mid:.1f} KiB/node",
                                f"{growth:.2f}×", "≤ 1.5× (linear)", growth <= 1.5))
    return out


@section("graphviz")
def _graphviz(quick: bool) -> Section:
    from benchmarks import graphviz_backend as gb

    whole = gb.spec_to_dot_times(quick)
    out = Section(notes=["\n".join(gb.absolute(quick, whole))])
    for label, seconds in whole.items():
        out.rows.append(Row("graphviz", f"DOT for {gb.MODEL}, {label}, from the spec file", f"{seconds * 1e3:.0f} ms", "–",
                            f"{seconds * 1e3:.0f} ms", f"< {gb.DOT_BUDGET_S:g} s", seconds < gb.DOT_BUDGET_S,
                            headline=True))
    if quick:
        out.notes.append("--quick: no torchview comparison (its trace of DenseNet-201 takes half a minute)")
        return out
    if not installed("torchview"):
        out.notes.append("torchview is not installed (`pip install -e '.[bench]'`): no comparison")
        return out
    for result in gb.ratios(quick):  # the issue asks for the ratio, with no target
        out.rows.append(replace(Row.of("graphviz", result, headline=True), target="–", met=None))
    return out


@section("adversarial")
def _adversarial(quick: bool) -> Section:
    import tempfile

    from benchmarks import adversarial

    with tempfile.TemporaryDirectory() as folder:
        rows = adversarial.run(1 if quick else 5, Path(folder), adversarial.HOSTILE, pyyaml=not quick)
    out = Section(notes=[adversarial.table(rows)])
    for row in rows:
        if row.loader != "archdsl":
            continue
        mib = row.heap_bytes / 2**20
        out.rows.append(Row("adversarial", f"reject {row.document}", f"{row.seconds * 1e3:.0f} ms", "–",
                            f"{row.seconds * 1e3:.0f} ms, {mib:.1f} MiB heap peak", "< 1 s, < 64 MiB",
                            row.seconds < 1.0 and mib < 64))
    return out


@section("gpu")
def _gpu(quick: bool) -> Section:
    import torch

    if not torch.cuda.is_available():
        return Section(rows=[Row("gpu", "torch eager fp32/AMP vs onnxruntime CUDA and TensorRT EPs, resnet50",
                                 "–", "–", "not measured: no CUDA device on this machine", "≥ 1.0×", None)])
    from benchmarks import onnx_backend as ob

    results, table = ob.gpu_results(quick, batches=(1, 32) if quick else (1, 32, 256))
    out = Section(notes=[f"GPU: {torch.cuda.get_device_name(0)}", table])
    out.rows.extend(Row.of("gpu", r) for r in results)
    return out


def report(sections: dict[str, Section], quick: bool, seconds: float) -> str:
    """The Markdown report: where and when, one table of every row, then each section's notes."""
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `python -m benchmarks{' --quick' if quick else ''}` on "
        f"{datetime.date.today().isoformat()} in {seconds / 60:.1f} min.",
        "",
        f"Machine: {machine()}",
        "",
        "Ratios are the reference's median time over archdsl's (higher is better) unless the target "
        "says otherwise; each side ran interleaved with the other after warm-up. ± is half the "
        "inter-quartile range relative to the median.",
        "",
        rows_table([row for s in sections.values() for row in s.rows]),
    ]
    for name, sec in sections.items():
        if sec.notes:
            lines += ["", f"## {name}", "", *sec.notes]
    return "\n".join(lines) + "\n"


def rows_table(rows: Sequence[Row], with_times: bool = True) -> str:
    head = "| section | benchmark | archdsl | reference | figure | target | verdict |"
    rule = "|---|---|---:|---:|---:|---|---|"
    if not with_times:
        head, rule = "| benchmark | figure | target | verdict |", "|---|---:|---|---|"
    lines = [head, rule]
    for r in rows:
        if with_times:
            lines.append(f"| {r.section} | {r.name} | {r.ours} | {r.reference} | {r.figure} | {r.target} | {r.verdict} |")
        else:
            lines.append(f"| {r.name} | {r.figure} | {r.target} | {r.verdict} |")
    return "\n".join(lines)


def headline(sections: dict[str, Section]) -> str:
    """README's excerpt: the headline rows, the date, the machine, the command."""
    rows = [row for s in sections.values() for row in s.rows if row.headline or row.section == "gpu"]
    return "\n".join([
        f"Measured {datetime.date.today().isoformat()} on {machine().split(';')[0]} "
        f"by `python -m benchmarks --write` (full report: [benchmarks/RESULTS.md](benchmarks/RESULTS.md)).",
        "",
        rows_table(rows, with_times=False),
    ])


def update_readme(text: str, path: Path = README) -> None:
    """Replace what lies between the benchmarks markers of README.md."""
    start, end = MARKERS
    readme = path.read_text(encoding="utf-8")
    if start not in readme or end not in readme:
        raise SystemExit(f"{path} has no {start} … {end} markers")
    before, rest = readme.split(start, 1)
    _, after = rest.split(end, 1)
    write_atomic(path, f"{before}{start}\n{text}\n{end}{after}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke test: fewer models and runs, under two minutes")
    parser.add_argument("--only", metavar="SECTION,...", help=f"run these sections ({', '.join(SECTIONS)})")
    parser.add_argument("--output", metavar="FILE.md", help="write the report there")
    parser.add_argument("--write", action="store_true",
                        help="write benchmarks/RESULTS.md and the headline table in README.md")
    args = parser.parse_args(argv)
    names = list(SECTIONS)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in SECTIONS]
        if unknown:
            parser.error(f"unknown section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    start = time.perf_counter()
    done: dict[str, Section] = {}
    for name in names:
        print(f"[{len(done) + 1}/{len(names)}] {name} …", file=sys.stderr, flush=True)
        began = time.perf_counter()
        try:
            done[name] = SECTIONS[name](args.quick)
        except Exception as error:  # one broken comparison must not lose the others' figures
            traceback.print_exc()
            done[name] = Section(rows=[Row(name, f"section {name}", "–", "–", f"failed: {type(error).__name__}: {error}",
                                           "runs", False)])
        print(f"      {name} done in {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    text = report(done, args.quick, time.perf_counter() - start)
    print(text, end="")
    if args.output:
        write_atomic(Path(args.output), text)
    if args.write:
        write_atomic(RESULTS, text)
        update_readme(headline(done))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
