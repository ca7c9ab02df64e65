"""The core subcommands: validate, analyze, list, schema, build."""

from __future__ import annotations

import argparse
import json
import sys
import time

from archdsl.analysis.formats import FORMATS, human
from archdsl.backend import backends, get_backend
from archdsl.cli.common import add_spec_arguments, depth_type, emit, load_model, parse_limits
from archdsl.cli.diff import add_diff_command
from archdsl.cli.library import list_library
from archdsl.cli.lint import add_lint_command
from archdsl.cli.ops import add_ops_command
from archdsl.cli.plugins import add_plugins_command
from archdsl.errors import ArchdslError, BackendError, ErrorGroup
from archdsl.spec.blocklib import check_blocks, is_block_library
from archdsl.spec.loader import Spec, load_file


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the core subcommands."""
    p = sub.add_parser("validate", help="check specs: schema, references, shapes")
    add_spec_arguments(p, many=True)
    p.set_defaults(run=validate)

    p = sub.add_parser("analyze", help="shapes, params, MACs, memory, receptive field (no forward pass)")
    add_spec_arguments(p)
    p.add_argument("--format", choices=sorted(FORMATS), default="table")
    p.add_argument("--depth", type=depth_type, default=None, help="roll block scopes deeper than N into one row")
    p.add_argument("-o", "--output", help="write the report to a file (atomically)")
    p.set_defaults(run=analyze)

    p = sub.add_parser("list", help="the spec library, a line per model")
    p.add_argument("--format", choices=("table", "markdown", "json"), default="table")
    p.set_defaults(run=list_library)

    add_ops_command(sub)
    add_plugins_command(sub)
    add_lint_command(sub)
    add_diff_command(sub)

    p = sub.add_parser("schema", help="print the JSON Schema of the spec language")
    p.add_argument("-o", "--output", help="write it to a file (atomically)")
    p.set_defaults(run=schema)

    p = sub.add_parser("build", help="lower a spec through a backend (torch, onnx, graphviz, ...)")
    add_spec_arguments(p)
    p.add_argument("--backend", required=True, help=f"one of: {', '.join(backends()) or 'none installed'}")
    p.add_argument("-o", "--output", help="artifact to write; its suffix picks the format")
    owned: dict[str, dict[str, object]] = {}
    for backend in backends().values():
        if backend.add_build_arguments is not None:
            recorder = _OptionRecorder(p.add_argument_group(f"{backend.name} backend"))
            backend.add_build_arguments(recorder)  # type: ignore[arg-type]
            owned[backend.name] = recorder.defaults
    p.set_defaults(run=build, backend_options=owned)


class _OptionRecorder:
    """An argument group that remembers which options (and defaults) a backend asked for,
    so that `build` can refuse another backend's option instead of ignoring it."""

    def __init__(self, group: argparse._ArgumentGroup) -> None:
        self.group = group
        self.defaults: dict[str, object] = {}

    def add_argument(self, *flags: str, **kwargs: object) -> object:
        long = next((f for f in flags if f.startswith("--")), flags[0])
        dest = str(kwargs.get("dest") or long.lstrip("-").replace("-", "_"))
        store_true = kwargs.get("action") == "store_true"
        self.defaults[dest] = kwargs.get("default", False if store_true else None)
        return self.group.add_argument(*flags, **kwargs)

    def __getattr__(self, name: str) -> object:
        return getattr(self.group, name)


def _check_backend_options(args: argparse.Namespace, chosen: str) -> None:
    """Options of other backends are errors, not silently ignored (shared ones are fine)."""
    mine = args.backend_options.get(chosen, {})
    for owner, options in sorted(args.backend_options.items()):
        for dest, default in options.items():
            if owner != chosen and dest not in mine and getattr(args, dest, default) != default:
                flag = "--" + dest.replace("_", "-")
                raise BackendError(f"{flag} is an option of the {owner} backend; it does nothing with --backend {chosen}",
                                   hint=f"drop {flag}, or use --backend {owner}")


def _block_library(args: argparse.Namespace, spec: str) -> Spec | None:
    """The file `spec` names, when it is a block library (blocks, no graph) that loads."""
    try:
        loaded = load_file(spec, parse_limits(args.limit), args.allow_outside)
    except ArchdslError:
        return None
    return loaded if is_block_library(loaded) else None


def validate(args: argparse.Namespace) -> int:
    errors: list[ArchdslError] = []
    for spec in args.specs:
        try:
            model = load_model(args, spec)
            check_blocks(model.spec)  # blocks the model leaves unused are checked as far as they can be
        except ArchdslError as error:
            library = _block_library(args, spec)
            if library is None:
                errors.append(error)
                continue
            try:
                check_blocks(library)
            except ArchdslError as mistakes:
                errors.append(mistakes)
                continue
            print(f"ok  {spec}: block library, {len(library.blocks)} blocks ({', '.join(library.blocks)})")
            continue
        print(f"ok  {spec}: {model.graph.name}, {len(model.graph)} nodes")
    if errors:
        print("\n".join(e.format() for e in errors), file=sys.stderr)
        return 2
    return 0


def analyze(args: argparse.Namespace) -> int:
    model = load_model(args)
    emit(FORMATS[args.format](model.analyze(), args.depth), args.output)
    return 0


def schema(args: argparse.Namespace) -> int:
    from archdsl.jsonschema import json_schema
    from archdsl.plugin import load_all

    emit(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n", args.output)
    for plugin in load_all():
        if plugin.error:  # left out of the schema; say so rather than drop its ops silently
            print(f"note: plugin {plugin.name} failed to load, its ops are not in the schema: {plugin.error}",
                  file=sys.stderr)
    return 0


def build(args: argparse.Namespace) -> int:
    backend = get_backend(args.backend)
    _check_backend_options(args, backend.name)
    if backend.build is None:
        raise BackendError(f"backend '{backend.name}' has no `build` command")
    started = time.perf_counter()
    model = load_model(args)
    summary = backend.build(model, args)
    totals = model.analyze().totals
    print(f"{model.graph.name}: {totals.params:,} params, {human(totals.macs)} MACs "
          f"[{backend.name}, {time.perf_counter() - started:.2f} s]")
    if summary:
        print(summary)
    return 0


__all__ = ["add_commands", "ErrorGroup"]
