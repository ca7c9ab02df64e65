"""`archdsl ops`: the op reference, rendered from the op registry so it never drifts.

`archdsl ops --format markdown --write docs/spec-language.md` rewrites the part of the
guide between the `op-reference` markers.
"""

from __future__ import annotations

import argparse
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from archdsl.errors import SpecError, did_you_mean
from archdsl.fileio import write_atomic
from archdsl.ops import OPS, Family, Op

FAMILIES = tuple(Family)
START, END = "<!-- op-reference:start -->", "<!-- op-reference:end -->"


def add_ops_command(sub: argparse._SubParsersAction) -> None:
    """Register `archdsl ops`."""
    p = sub.add_parser("ops", help="the op reference: attributes, defaults, shape rule, MACs")
    p.add_argument("names", nargs="*", metavar="OP", help="only these ops (default: all)")
    p.add_argument("--format", choices=("table", "markdown"), default="table")
    p.add_argument("--write", metavar="FILE", help="replace the op-reference section of a Markdown FILE")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    chosen = selected(args.names)
    if args.write:
        path = Path(args.write)
        write_atomic(path, replace_section(path.read_text(encoding="utf-8"), markdown(chosen)))
        return 0
    print((markdown if args.format == "markdown" else table)(chosen), end="")
    return 0


def selected(names: list[str]) -> list[Op]:
    for name in names:
        if name not in OPS:
            raise SpecError(f"unknown op '{name}'", hint=did_you_mean(name, OPS) or "`archdsl ops` lists them")
    found = [OPS[n] for n in names] if names else list(OPS.values())
    return sorted(found, key=lambda op: (FAMILIES.index(op.family), op.name))


def type_text(annotation: Any) -> str:
    """A pydantic annotation as a reader would write it: `int | list[int]`, `'same' | 'valid'`."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_text(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(dict.fromkeys(type_text(a) for a in args))
    if origin is Literal:
        return " | ".join(repr(a) for a in args)
    if origin in (list, tuple):
        return f"list[{type_text(args[0])}]" if args else "list"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def default_text(info: FieldInfo) -> str:
    if info.default is PydanticUndefined and info.default_factory is None:
        return "required"
    value = info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else repr(value) if isinstance(value, str) else str(value)


def attributes(op: Op) -> list[tuple[str, str, str, str]]:
    return [(name, type_text(info.annotation), default_text(info), info.description or "")
            for name, info in op.Attrs.model_fields.items()]


def inputs_text(op: Op) -> str:
    low, high = op.arity
    return str(low) if low == high else f"{low} or more" if high is None else f"{low}–{high}"


def outputs_text(op: Op) -> str:
    if op.name in ("split", "chunk"):
        return "one per piece: `0`, `1`, …"
    try:
        names = op.output_names(op.Attrs.model_construct())
    except (AttributeError, TypeError):
        names = ("output",)
    return ", ".join(f"`{n}`" for n in names)


def markdown(ops: Iterable[Op]) -> str:
    lines: list[str] = []
    family = None
    for op in ops:
        if op.family != family:
            family = op.family
            lines += [f"### {family}", ""]
        lines += [f"#### `{op.name}`", "", op.doc, ""]
        rows = attributes(op)
        if rows:
            lines += ["| attribute | type | default | meaning |", "|---|---|---|---|"]
            lines += [f"| `{n}` | {t.replace('|', '&#124;')} | {d.replace('|', '&#124;')} | {m} |" for n, t, d, m in rows]
            lines.append("")
        lines += [
            f"- inputs: {inputs_text(op)}; outputs: {outputs_text(op)}",
            f"- shape: {op.shape_formula}",
            f"- MACs: {op.mac_formula}",
            f"- FLOPs beyond 2 × MACs: {op.flop_formula}",
            "",
        ]
    return "\n".join(lines)


def table(ops: Iterable[Op]) -> str:
    lines = []
    for op in ops:
        attrs = ", ".join(f"{n}={d}" if d != "required" else f"{n} ({t})" for n, t, d, _ in attributes(op))
        lines.append(f"{op.name:20} {op.family:14} {attrs or '-'}")
    return "\n".join(lines) + "\n"


def replace_section(text: str, body: str) -> str:
    """`text` with everything between the op-reference markers replaced by `body`."""
    head, found, rest = text.partition(START)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise SpecError(f"no '{START}' … '{END}' section to replace", hint="add the two markers where the reference goes")
    return f"{head}{START}\n\n{body}\n{END}{tail}"
