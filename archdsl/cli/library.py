"""`archdsl list`: the shipped library, one line per model, from the specs themselves."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from decimal import Decimal

from archdsl.analysis.formats import human
from archdsl.model import load
from archdsl.spec.library import library_names, library_root


@dataclass(frozen=True)
class Entry:
    name: str
    params: int
    macs: int
    input: str
    receptive_field: int | None
    torchvision: str
    paper: str


def entries() -> list[Entry]:
    """Analyse every library spec (deterministic order)."""
    found = []
    for name in library_names():
        model = load(library_root() / f"{name}.yaml")
        analysis = model.analyze()
        sizes = [max(a.pixels for a in f) for f in analysis.fields.fields.values() if f]
        shapes = ", ".join("×".join(str(d) for d in t.shape[1:]) for t in model.graph.inputs.values())
        tv = model.spec.torchvision.model if model.spec.torchvision else ""
        found.append(Entry(name, analysis.totals.params, analysis.totals.macs, shapes,
                           max(sizes) if sizes else None, tv, model.spec.paper))
    return found


def gmacs(macs: int) -> str:
    """MACs in billions: three decimals, or three significant figures below 0.01 (LeNet-5: 0.000417)."""
    g = macs / 1e9
    if g == 0 or g >= 0.01:
        return f"{g:.3f}"
    return format(Decimal(f"{g:.3g}"), "f")  # rounded to 3 significant figures, never in e-notation


def markdown(found: list[Entry]) -> str:
    lines = ["| model | params | GMACs | input | receptive field | torchvision | paper |",
             "|---|---:|---:|---|---:|---|---|"]
    for e in found:
        rf = str(e.receptive_field) if e.receptive_field else "–"
        tv = f"yes (`{e.torchvision}`)" if e.torchvision else "no"
        lines.append(f"| {e.name} | {e.params:,} | {gmacs(e.macs)} | {e.input} | {rf} | {tv} | {e.paper} |")
    return "\n".join(lines) + "\n"


def table(found: list[Entry]) -> str:
    width = max((len(e.name) for e in found), default=4)
    lines = []
    for e in found:
        rf = f"rf {e.receptive_field}" if e.receptive_field else "rf –"
        tv = f"  torchvision:{e.torchvision}" if e.torchvision else ""
        lines.append(f"{e.name.ljust(width)}  {human(e.params):>8} params  {human(e.macs):>8} MACs  {e.input:<12} {rf:<8}{tv}")
    return "\n".join(lines) + "\n"


def list_library(args: argparse.Namespace) -> int:
    found = entries()
    if args.format == "json":
        print(json.dumps([asdict(e) for e in found], indent=2))
    else:
        print((markdown if args.format == "markdown" else table)(found), end="")
    return 0
