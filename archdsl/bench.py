"""`archdsl bench`: torch eager and onnxruntime side by side, same weights, same inputs.

Not part of a backend: it drives two (through the loaded model and the ONNX backend's
export and session API). The CLI registers the command (archdsl/cli/bench.py) and
calls `bench_command` here; benchmarks/onnx_backend.py reuses `context`, `bench`, `table`.

Each engine runs every batch size `warmup` times untimed, then `runs` timed
runs, interleaved across backends (so drift on a shared machine hits all alike);
latency is the median, throughput batch / median. Inputs and outputs stay on
the device: torch synchronises CUDA after each call, onnxruntime runs through
an IOBinding with device-resident inputs and outputs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from archdsl.backends.onnx.feeds import Signature, random_feeds
from archdsl.errors import BackendError, SpecError, did_you_mean
from archdsl.model import Model

Runner = Callable[[], Any]


@dataclass(frozen=True)
class Context:
    """What every engine of one bench shares: the model, its torch module (the weights), the ONNX bytes."""

    model: Model
    module: Any
    onnx: bytes
    device: str
    threads: int | None
    batches: tuple[int, ...]


@dataclass
class Engine:
    """One column of the comparison (torch eager, onnxruntime on a provider): a name, what it runs on,
    and how to prepare a run for some inputs."""

    name: str
    runs_on: str
    prepare: Callable[[dict[str, np.ndarray]], Runner]


@dataclass(frozen=True)
class Row:
    """One engine at one batch size."""

    backend: str
    runs_on: str
    batch: int
    times: tuple[float, ...]

    @property
    def latency(self) -> float:
        return statistics.median(self.times)

    @property
    def throughput(self) -> float:
        return self.batch / self.latency

    @property
    def spread(self) -> float:
        if len(self.times) < 4:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.times, n=4)
        return (q3 - q1) / 2 / self.latency


def _torch(amp: bool) -> Callable[[Context], Engine]:
    def make(ctx: Context) -> Engine:
        import torch

        module = ctx.module.to(ctx.device).eval()
        dtype = torch.float16 if ctx.device == "cuda" else torch.bfloat16
        sync = torch.cuda.synchronize if ctx.device == "cuda" else (lambda: None)

        def prepare(feeds: dict[str, np.ndarray]) -> Runner:
            xs = [torch.from_numpy(v).to(ctx.device) for v in feeds.values()]

            def run() -> Any:
                with torch.inference_mode(), torch.autocast(ctx.device, dtype=dtype, enabled=amp):
                    out = module(*xs)
                sync()
                return out

            return run

        label = f"torch eager{' AMP ' + str(dtype).removeprefix('torch.') if amp else ''} ({ctx.device})"
        return Engine("torch-amp" if amp else "torch", label, prepare)

    return make


def _onnx(provider: str | None, fp16: bool = False) -> Callable[[Context], Engine]:
    def make(ctx: Context) -> Engine:
        from archdsl.backends.onnx.runtime import open_session

        chosen = provider or ("cuda" if ctx.device == "cuda" else "cpu")
        if chosen != "cpu" and ctx.device != "cuda":
            raise BackendError(f"the {chosen} provider runs on the GPU", hint="use --device cuda")
        options = _trt_profile(ctx) if chosen == "tensorrt" else None
        session = open_session(ctx.onnx, provider=chosen, threads=ctx.threads, fp16=fp16, provider_options=options)
        where = "cuda" if chosen != "cpu" else "cpu"
        name = "onnx" if provider is None else f"onnx-{provider}{'-fp16' if fp16 else ''}"
        return Engine(name, f"onnxruntime {session.providers[0]}", lambda feeds: bound(session.session, feeds, where)[0])

    return make


def bound(session: Any, feeds: dict[str, np.ndarray], device: str) -> tuple[Runner, Any]:
    """A run through an IOBinding whose inputs and outputs live on `device`, and the binding."""
    import onnxruntime as ort

    binding = session.io_binding()
    keep = [ort.OrtValue.ortvalue_from_numpy(value, device, 0) for value in feeds.values()]
    for name, value in zip(feeds, keep, strict=True):
        binding.bind_ortvalue_input(name, value)
    for output in session.get_outputs():
        binding.bind_output(output.name, device, 0)

    def run() -> Any:
        session.run_with_iobinding(binding)
        binding.synchronize_outputs()
        return keep

    return run, binding


def _trt_profile(ctx: Context) -> dict[str, str]:
    """TensorRT shape profiles spanning the batch sizes, so one engine serves them all."""
    signature = Signature.of_graph(ctx.model.graph)

    def shapes(batch: int) -> str:
        return ",".join(f"{s.name}:{'x'.join(map(str, s.concrete(batch)))}" for s in signature.inputs)

    low, high = min(ctx.batches), max(ctx.batches)
    return {"trt_profile_min_shapes": shapes(low), "trt_profile_opt_shapes": shapes(high),
            "trt_profile_max_shapes": shapes(high)}


ENGINES: dict[str, Callable[[Context], Engine]] = {
    "torch": _torch(amp=False),
    "torch-amp": _torch(amp=True),
    "onnx": _onnx(None),
    "onnx-tensorrt": _onnx("tensorrt"),
    "onnx-tensorrt-fp16": _onnx("tensorrt", fp16=True),
}
"""Everything `--backends` may name (onnx runs on CPU or CUDA following --device)."""


def parse_list(text: str, what: str, choices: Sequence[str] | None = None) -> list[str]:
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise SpecError(f"{what} is empty")
    for item in items:
        if choices is not None and item not in choices:
            raise SpecError(f"unknown backend '{item}' in {what}",
                            hint=did_you_mean(item, choices) or f"choose from: {', '.join(choices)}")
    return items


def parse_batches(text: str) -> tuple[int, ...]:
    try:
        batches = tuple(int(item) for item in parse_list(text, "--batch"))
    except ValueError:
        raise SpecError(f"--batch expects sizes like 1,8, got '{text}'") from None
    if any(b < 1 for b in batches):
        raise SpecError("batch sizes must be at least 1")
    return batches


def context(model: Model, device: str, threads: int | None, batches: tuple[int, ...], seed: int | None,
            optimize: bool = True) -> Context:
    """Build the torch module once and export its very weights to ONNX."""
    import torch

    from archdsl.backends.onnx import export_bytes

    if device == "cuda" and not torch.cuda.is_available():
        raise BackendError("--device cuda: no CUDA device is available here", hint="use --device cpu")
    if threads:
        torch.set_num_threads(threads)
    module = model.to_torch(seed=0 if seed is None else seed, device="cpu").eval()
    data = export_bytes(model, weights=module.state_dict(), optimize=optimize)
    return Context(model, module, data, device, threads, batches)


def bench(ctx: Context, names: Sequence[str], runs: int, warmup: int,
          progress: Callable[[str], None] = lambda text: None, skipped: dict[str, str] | None = None) -> list[Row]:
    """Median latencies of each named engine at each batch size, timed interleaved. An engine
    that cannot start is an error, or, given `skipped`, recorded there (name → why) and left out."""
    engines = []
    for name in names:
        try:
            engines.append(ENGINES[name](ctx))
        except BackendError as error:
            if skipped is None:
                raise
            skipped[name] = error.format().replace("\n", " ")
    signature = Signature.of_graph(ctx.model.graph)
    rows = []
    for batch in ctx.batches:
        feeds = random_feeds(signature, batch)
        runners = [engine.prepare(feeds) for engine in engines]
        times: list[list[float]] = [[] for _ in engines]
        for i in range(warmup):
            progress(f"batch {batch}: warm-up {i + 1}/{warmup}")
            for run in runners:
                run()
        for i in range(runs):
            progress(f"batch {batch}: run {i + 1}/{runs}")
            order = range(len(runners)) if i % 2 == 0 else reversed(range(len(runners)))
            for k in order:
                start = time.perf_counter()
                runners[k]()
                times[k].append(time.perf_counter() - start)
        rows += [Row(e.name, e.runs_on, batch, tuple(t)) for e, t in zip(engines, times, strict=True)]
    return rows


def table(rows: Sequence[Row]) -> str:
    """Markdown: latency, throughput and throughput relative to torch eager at the same batch."""
    torch_rows = {row.batch: row for row in rows if row.backend == "torch"}
    lines = ["| backend | runs on | batch | latency (median) | throughput | vs torch eager |",
             "|---|---|---:|---:|---:|---:|"]
    for row in rows:
        base = torch_rows.get(row.batch)
        ratio = f"{row.throughput / base.throughput:.2f}×" if base else "–"
        lines.append(f"| {row.backend} | {row.runs_on} | {row.batch} | {row.latency * 1e3:.2f} ms ± {row.spread * 100:.0f}% "
                     f"| {row.throughput:,.1f}/s | {ratio} |")
    return "\n".join(lines)


def bench_command(args: argparse.Namespace, load: Callable[[argparse.Namespace], Model]) -> int:
    """`archdsl bench SPEC ...`: the options checked first, then the spec `load` gives is timed."""
    names = parse_list(args.backends, "--backends", list(ENGINES))
    batches = parse_batches(args.batch)
    if args.runs < 1 or args.warmup < 0:
        raise SpecError("--runs must be at least 1 and --warmup at least 0")
    model = load(args)
    show = _progress(model.graph.name, quiet=getattr(args, "quiet", False))
    show("building the torch module and exporting its weights to ONNX")
    ctx = context(model, args.device, args.threads, batches, args.seed, not args.no_optimize)
    rows = bench(ctx, names, args.runs, args.warmup, show)
    show("")
    print(f"{model.graph.name}: {args.device}, median of {args.runs} runs after {args.warmup} warm-up, interleaved")
    print(table(rows))
    return 0


def _progress(name: str, quiet: bool = False) -> Callable[[str], None]:
    """A one-line progress display on stderr (rewritten in place on a terminal, else a line per step);
    none with `quiet` (`--quiet`)."""
    if quiet:
        return lambda text: None
    tty = sys.stderr.isatty()
    last = [""]

    def show(text: str) -> None:
        if tty:
            sys.stderr.write(f"\r\x1b[K{name}: {text}" if text else "\r\x1b[K")
            sys.stderr.flush()
        elif text and text.rsplit(" ", 1)[0] != last[0].rsplit(" ", 1)[0]:
            print(f"{name}: {text}", file=sys.stderr)  # the first step of each phase
        last[0] = text

    return show
