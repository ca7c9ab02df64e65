"""`archdsl plugins`: the installed plugins, what each provides, and which failed to load."""

from __future__ import annotations

import argparse
import json

from archdsl.cli.common import emit
from archdsl.plugin import Plugin, load_all


def add_plugins_command(sub: argparse._SubParsersAction) -> None:
    """Register `archdsl plugins`."""
    p = sub.add_parser("plugins", help="installed plugins: their ops, their lowerings, whether they load")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("-o", "--output", help="write the report to a file (atomically)")
    p.set_defaults(run=list_plugins)


def list_plugins(args: argparse.Namespace) -> int:
    """Load every installed plugin and report each (a broken one is listed with its error)."""
    found = load_all()
    text = json.dumps([_record(p) for p in found], indent=2) + "\n" if args.format == "json" else _table(found)
    emit(text, args.output)
    return 0


def _record(plugin: Plugin) -> dict[str, object]:
    return {"name": plugin.name, "source": plugin.source, "ops": plugin.ops,
            "lowerings": plugin.lowerings, "error": plugin.error}


def _table(found: list[Plugin]) -> str:
    if not found:
        return "no plugins installed (entry-point group archdsl.ops)\n"
    lines: list[str] = []
    for plugin in found:
        lines.append(f"{plugin.name}  [{'failed' if plugin.error else 'ok'}]  {plugin.source}")
        if plugin.error:
            lines.append(f"  error: {plugin.error}")
            continue
        lines.append(f"  ops: {', '.join(plugin.ops) or 'none'}")
        for backend, modules in sorted(plugin.lowerings.items()):
            lines.append(f"  {backend}: {', '.join(modules)}")
    return "\n".join(lines) + "\n"
