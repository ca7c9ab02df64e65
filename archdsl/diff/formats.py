"""Rendering a ModelDiff as a text table, Markdown or JSON (Δ is always B − A)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archdsl.analysis.formats import human
from archdsl.diff import ModelDiff
from archdsl.diff.compare import Pair, ScopeDiff
from archdsl.diff.nodes import grouped
from archdsl.jsontext import report_json
from archdsl.tensors import shape_text

TOTAL_LABELS = {
    "params": "params", "buffers": "buffers", "macs": "MACs", "flops": "FLOPs",
    "activation_bytes": "activations (bytes)", "peak_activation_bytes": "peak activations (inference, bytes)",
    "training_activation_bytes": "activations kept for training (bytes)",
}
SCOPE_COLUMNS = ("name", "op", "params A", "params B", "Δ params", "MACs A", "MACs B", "Δ MACs", "Δ activations",
                 "output shape", "RF")


def signed(value: int | None, unit: str = "") -> str:
    """+1.23M, -528.13K, 0."""
    if not value:
        return "0"
    return ("+" if value > 0 else "") + human(value, unit)


def percent(pair: Pair[int]) -> str:
    """Δ relative to A; '—' where A is 0 and B is not."""
    if not pair.delta:
        return "0%"
    return f"{100 * pair.delta / pair.a:+.2f}%" if pair.a else "—"


def _dims(value: tuple[Any, ...] | None) -> str:
    return "—" if value is None else shape_text(value)


def _either(pair: Pair[Any]) -> str:
    """`x` when both sides agree, `a → b` when not."""
    return _dims(pair.a) if pair.same else f"{_dims(pair.a)} → {_dims(pair.b)}"


def _count(value: int | None) -> str:
    return "—" if value is None else human(value)


def _scope_cells(row: ScopeDiff) -> list[str]:
    op = row.op.a if row.op.same or row.op.b is None else row.op.b if row.op.a is None else f"{row.op.a} → {row.op.b}"
    name = row.name + {"added": " (+)", "removed": " (−)"}.get(row.status, "")
    return [name, str(op), _count(row.params.a), _count(row.params.b), signed(row.params.delta),
            _count(row.macs.a), _count(row.macs.b), signed(row.macs.delta), signed(row.activation_bytes.delta, "B"),
            _either(row.shape), _either(row.rf)]


def _total_rows(diff: ModelDiff) -> list[list[str]]:
    return [[TOTAL_LABELS[key], f"{pair.a:,}", f"{pair.b:,}", f"{pair.delta:+,}" if pair.delta else "0", percent(pair)]
            for key, pair in diff.totals.items()]


def _output_lines(diff: ModelDiff) -> list[str]:
    lines = []
    for out in diff.outputs:
        where = out.rf_node.b or out.rf_node.a
        field = f"; receptive field {_either(out.rf)} (at {where})" if where else ""
        lines.append(f"output {out.name}: {_either(out.shape)}{field}")
    return lines


def _node_lines(diff: ModelDiff) -> list[str]:
    counts = {status: sum(n.status == status for n in diff.nodes) for status in ("added", "removed", "changed")}
    lines = [f"nodes: {counts['added']} added, {counts['removed']} removed, {counts['changed']} changed"]
    for label, members in grouped(diff.nodes):
        many = f" ({len(members)} nodes)" if len(members) > 1 else ""
        lines.append(f"  {members[0].status:<8} {label}{many}: {members[0].summary}")
    return lines


def _aligned(header: list[str] | tuple[str, ...], body: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(c), *(len(r[i]) for r in body)) if body else len(c) for i, c in enumerate(header)]

    def line(cells: list[str] | tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in body)]


def table(diff: ModelDiff) -> str:
    """A text report: totals, scopes, outputs, node changes."""
    lines = [f"A: {diff.a.label}", f"B: {diff.b.label}", "Δ = B − A; costs at batch 1 (MACs, FLOPs, activations: inference graph)", ""]
    lines += _aligned(["total", "A", "B", "Δ", "Δ%"], _total_rows(diff), {1, 2, 3, 4})
    lines.append("")
    lines += _aligned(SCOPE_COLUMNS, [_scope_cells(r) for r in diff.scopes], {2, 3, 4, 5, 6, 7, 8})
    lines += ["", *_output_lines(diff), "", *_node_lines(diff)]
    return "\n".join(lines) + "\n"


def _md_row(cells: list[str] | tuple[str, ...]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def markdown(diff: ModelDiff) -> str:
    """A Markdown report with the same content as `table`."""
    lines = [f"## {diff.a.label} → {diff.b.label}", "", "Δ = B − A; costs at batch 1.", "",
             _md_row(["total", diff.a.label, diff.b.label, "Δ", "Δ%"]), "|---|---:|---:|---:|---:|"]
    lines += [_md_row(r) for r in _total_rows(diff)]
    lines += ["", _md_row(SCOPE_COLUMNS), "|---|---|" + "---:|" * 7 + "---|---|"]
    lines += [_md_row(_scope_cells(r)) for r in diff.scopes]
    lines += ["", *(f"- {line}" for line in _output_lines(diff)), ""]
    node_lines = _node_lines(diff)
    lines += [f"**{node_lines[0]}**", ""]
    if len(node_lines) > 1:
        lines += ["| change | nodes | what |", "|---|---|---|"]
        for label, members in grouped(diff.nodes):
            many = f" ({len(members)} nodes)" if len(members) > 1 else ""
            lines.append(_md_row([members[0].status, f"`{label}`{many}", members[0].summary]))
    return "\n".join(lines) + "\n"


def _pair(pair: Pair[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"a": _plain(pair.a), "b": _plain(pair.b)}
    if isinstance(pair.a, (int, type(None))) and isinstance(pair.b, (int, type(None))) and pair.delta is not None:
        found["delta"] = pair.delta
    return found


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def to_json(diff: ModelDiff) -> dict[str, Any]:
    """The documented JSON form of `archdsl diff --format json` (exact numbers)."""
    return {
        "a": {"spec": diff.a.spec, "label": diff.a.label, "params": diff.a.params},
        "b": {"spec": diff.b.spec, "label": diff.b.label, "params": diff.b.params},
        "depth": diff.depth,
        "totals": {key: _pair(pair) for key, pair in diff.totals.items()},
        "scopes": [{"name": r.name, "status": r.status, "op": _pair(r.op), "params": _pair(r.params),
                    "macs": _pair(r.macs), "activation_bytes": _pair(r.activation_bytes),
                    "shape": _pair(r.shape), "rf": _pair(r.rf)} for r in diff.scopes],
        "outputs": [{"name": o.name, "shape": _pair(o.shape), "rf": _pair(o.rf), "rf_node": _pair(o.rf_node)}
                    for o in diff.outputs],
        "nodes": [{"name": n.name, "status": n.status, "op": _pair(n.op), "shape": _pair(n.shape),
                   "changes": [{"what": c.what, "key": c.key, "a": _plain(c.a), "b": _plain(c.b)} for c in n.changes]}
                  for n in diff.nodes],
    }


def json_text(diff: ModelDiff) -> str:
    return report_json(to_json(diff))


FORMATS: dict[str, Callable[[ModelDiff], str]] = {"table": table, "json": json_text, "markdown": markdown}
