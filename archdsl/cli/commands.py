"""The core subcommands: validate, analyze, list, schema, build."""

from __future__ import annotations

import argparse
import json
import sys
import time

from archdsl.analysis.formats import FORMATS, human
from archdsl.backends import SHARED_OPTIONS, Backend, backends, get_backend
from archdsl.cli.common import SHARED, add_shared_option, add_spec_arguments, depth_type, emit, load_model, parse_limits
from archdsl.cli.library import list_library
from archdsl.errors import ArchdslError, BackendError, ErrorGroup
from archdsl.spec.blocklib import check_blocks, is_block_library
from archdsl.spec.loader import Spec, load_file


def add_validate_command(sub: argparse._SubParsersAction) -> None:
    """`archdsl validate`."""
    p = sub.add_parser("validate", help="check specs: schema, references, shapes")
    add_spec_arguments(p, many=True)
    p.set_defaults(run=validate)


def add_analyze_command(sub: argparse._SubParsersAction) -> None:
    """`archdsl analyze`."""
    p = sub.add_parser("analyze", help="shapes, params, MACs, memory, receptive field (no forward pass)")
    add_spec_arguments(p)
    p.add_argument("--format", choices=sorted(FORMATS), default="table")
    p.add_argument("--depth", type=depth_type, default=None, help="roll block scopes deeper than N into one row")
    p.add_argument("-o", "--output", help="write the report to a file (atomically)")
    p.set_defaults(run=analyze)


def add_list_command(sub: argparse._SubParsersAction) -> None:
    """`archdsl list`."""
    p = sub.add_parser("list", help="the spec library, a line per model")
    p.add_argument("--format", choices=("table", "markdown", "json"), default="table")
    p.set_defaults(run=list_library)


def add_schema_command(sub: argparse._SubParsersAction) -> None:
    """`archdsl schema`."""
    p = sub.add_parser("schema", help="print the JSON Schema of the spec language")
    p.add_argument("-o", "--output", help="write it to a file (atomically)")
    p.set_defaults(run=schema)


def add_build_command(sub: argparse._SubParsersAction) -> None:
    """`archdsl build`: its options come from every installed backend, so this one reads the entry points."""
    p = sub.add_parser("build", help="lower a spec through a backend (torch, onnx, graphviz, ...)")
    add_spec_arguments(p)
    p.add_argument("--backend", required=True, help=f"one of: {', '.join(backends()) or 'none installed'}")
    p.add_argument("-o", "--output", help="artifact to write; its suffix picks the format")
    shared = p.add_argument_group("shared backend options", f"read by: {_readers()}")
    for name in SHARED_OPTIONS:
        add_shared_option(shared, name)
    for backend in backends().values():
        if backend.add_build_arguments is not None:
            backend.add_build_arguments(p.add_argument_group(f"{backend.name} backend"))
    p.set_defaults(run=build)


def _readers() -> str:
    """'--seed: onnx, torch; --device: torch', for the help of the shared options' group."""
    return "; ".join(f"--{name}: {', '.join(_readers_of(name)) or 'none'}" for name in SHARED_OPTIONS)


def _readers_of(name: str) -> list[str]:
    return [b.name for b in backends().values() if name in b.shared_options]


def _own_options(backend: Backend) -> dict[str, object]:
    """The options `backend` adds to `archdsl build`, with their defaults (read off a parser of its own)."""
    if backend.add_build_arguments is None:
        return {}
    probe = argparse.ArgumentParser(add_help=False)
    backend.add_build_arguments(probe.add_argument_group())
    return vars(probe.parse_args([]))


def _refuse_foreign_options(args: argparse.Namespace, chosen: Backend) -> None:
    """Options the chosen backend does not read are errors, not silently ignored."""
    foreign = _foreign_options(args, chosen)
    if foreign:
        flag, owners = min(foreign.items())
        whose = f"an option of the {' and '.join(owners)} backend{'s' if len(owners) > 1 else ''}" if owners else "read by no backend"
        raise BackendError(f"{flag} is {whose}; it does nothing with --backend {chosen.name}",
                           hint=f"drop {flag}" + (f", or use --backend {owners[0]}" if owners else ""))


def _foreign_options(args: argparse.Namespace, chosen: Backend) -> dict[str, list[str]]:
    """The flags given that `chosen` does not read, each with the backends that do."""
    found = {f"--{name}": _readers_of(name) for name in SHARED_OPTIONS
             if name not in chosen.shared_options and getattr(args, name) != SHARED[name]["default"]}
    mine = _own_options(chosen)
    for backend in backends().values():
        for dest, default in _own_options(backend).items():
            if dest not in mine and getattr(args, dest, default) != default:
                found.setdefault("--" + dest.replace("_", "-"), [backend.name])
    return found


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
    _refuse_foreign_options(args, backend)
    if backend.build is None:
        raise BackendError(f"backend '{backend.name}' has no `build` command")
    started = time.perf_counter()
    model = load_model(args)
    summary = backend.build(model.lowering, args)
    totals = model.analyze().totals
    print(f"{model.graph.name}: {totals.params:,} params, {human(totals.macs)} MACs "
          f"[{backend.name}, {time.perf_counter() - started:.2f} s]")
    if summary:
        print(summary)
    return 0


__all__ = [
    "ErrorGroup", "add_analyze_command", "add_build_command", "add_list_command", "add_schema_command",
    "add_validate_command",
]
