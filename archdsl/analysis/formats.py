"""Rendering an analysis as a text table, CSV, Markdown or JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from archdsl.analysis import Analysis
from archdsl.analysis.report import Row, field_json, rows, to_json
from archdsl.jsontext import report_json
from archdsl.tensors import shape_text

COLUMNS = ("name", "op", "output shape", "params", "MACs", "RF size", "RF stride")


def human(value: float, unit: str = "") -> str:
    """1234567 → '1.23M'."""
    for factor, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= factor:
            return f"{value / factor:.2f}{suffix}{unit}"
    return f"{value:g}{unit}"


def _cells(row: Row) -> list[str]:
    rf = field_json(row.field)
    size = "×".join(str(v) for v in rf["size"]) if rf else "-"
    stride = "×".join(str(v) for v in rf["stride"]) if rf else "-"
    name = row.name + (" (train)" if row.train_only else "")
    return [name, row.op, shape_text(row.shape), f"{row.params:,}", f"{row.macs:,}", size, stride]


def _totals(analysis: Analysis) -> list[tuple[str, str]]:
    t = analysis.totals
    return [
        ("params", f"{t.params:,} ({human(t.params)})"),
        ("buffers", f"{t.buffers:,}"),
        ("MACs", f"{t.macs:,} ({human(t.macs)})"),
        ("FLOPs", f"{t.flops:,} ({human(t.flops)})"),
        ("activations", human(t.activation_bytes, "B")),
        ("peak activations (inference)", human(t.peak_activation_bytes, "B")),
        ("activations kept for training", human(t.training_activation_bytes, "B")),
    ]


def _footer(analysis: Analysis) -> list[str]:
    graph = analysis.graph
    lines = [f"{label}: {value}" for label, value in _totals(analysis)]
    for name, out in graph.outputs.items():
        mark = " (train only)" if out.train_only else ""
        lines.append(f"output {name}: {shape_text(graph.type_of(out.ref).shape)}{mark}")
    lines += [f"warning: [{w.node}] {w.message}" for w in analysis.fields.warnings]
    return lines


def table(analysis: Analysis, depth: int | None = None) -> str:
    body = [_cells(row) for row in rows(analysis, depth)]
    widths = [max(len(c), *(len(r[i]) for r in body)) for i, c in enumerate(COLUMNS)]
    right = {3, 4}

    def line(cells: list[str] | tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    head = [f"{analysis.graph.name}: batch N, costs at N=1", line(COLUMNS), rule]
    return "\n".join(head + [line(r) for r in body] + [rule] + _footer(analysis)) + "\n"


def markdown(analysis: Analysis, depth: int | None = None) -> str:
    lines = [f"## {analysis.graph.name}", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(row)) + " |" for row in rows(analysis, depth)]
    lines += ["", "| total | value |", "|---|---|"]
    lines += [f"| {label} | {value} |" for label, value in _totals(analysis)]
    return "\n".join(lines) + "\n"


def csv_text(analysis: Analysis, depth: int | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "op", "scope", "inputs", "shape", "params", "macs", "rf_size", "rf_stride", "rf_start", "train_only"])
    for row in rows(analysis, depth):
        rf = field_json(row.field)
        flat = (lambda key, rf=rf: "x".join(str(v) for v in rf[key]) if rf else "")  # noqa: E731
        writer.writerow([row.name, row.op, row.scope, " ".join(row.inputs), "x".join(str(d) for d in row.shape),
                         row.params, row.macs, flat("size"), flat("stride"), flat("start"), row.train_only])
    return out.getvalue()


def json_text(analysis: Analysis, depth: int | None = None) -> str:
    return report_json(to_json(analysis, depth))


FORMATS: dict[str, Callable[[Analysis, int | None], str]] = {
    "table": table,
    "json": json_text,
    "csv": csv_text,
    "markdown": markdown,
}
