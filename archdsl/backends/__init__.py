"""The backend registry: lowerings are found through the `archdsl.backends` entry points.

The core never imports a backend by name. A backend package exposes a `Backend`
object and names it in its distribution's entry points, e.g.

    [project.entry-points."archdsl.backends"]
    torch = "archdsl.backends.torch:BACKEND"
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from archdsl.errors import BackendError, did_you_mean
from archdsl.lowering import Lowering

GROUP = "archdsl.backends"
SHARED_OPTIONS = ("seed", "device")
"""The options the CLI defines once for every backend that reads them (`Backend.shared_options`)."""

Arguments = argparse.ArgumentParser | argparse._ArgumentGroup


@dataclass(frozen=True)
class CommandKit:
    """What the CLI lends the subcommands a backend registers, so that no backend imports the CLI."""

    add_spec_arguments: Callable[[argparse.ArgumentParser], None]
    """SPEC, `-p KEY=VALUE`, `--input`, `--limit`, `--allow-plugins`, `--allow-outside`."""
    add_shared_option: Callable[[Arguments, str], None]
    """One of SHARED_OPTIONS, as the CLI defines it for every command."""
    load: Callable[[argparse.Namespace], Lowering]
    """The spec the parsed arguments name, loaded with their overrides."""


@dataclass(frozen=True)
class Backend:
    """What a backend offers the core: a Python lowering and, optionally, CLI hooks."""

    name: str
    description: str
    lower: Callable[..., Any]
    """`lower(lowering, **options)`: the backend's object (a module, a ModelProto, a Digraph)."""
    build: Callable[[Lowering, argparse.Namespace], str] | None = None
    """`archdsl build --backend NAME`: `build(lowering, args)` writes `args.output` atomically, returns a summary."""
    add_build_arguments: Callable[[argparse._ArgumentGroup], None] | None = None
    """This backend's own options of `archdsl build` (names must not clash with another backend's or the CLI's)."""
    shared_options: frozenset[str] = frozenset()
    """The SHARED_OPTIONS `build` reads; `archdsl build` refuses the others with this backend."""
    register_commands: Callable[[Any, CommandKit], None] | None = None
    """`register_commands(subparsers, kit)` adds the backend's own subcommands (`render`, `export`, ...)."""
    ops: Callable[[], set[str]] | None = None
    """The op names this backend can lower (for coverage reports)."""


@cache
def _discover() -> tuple[dict[str, Backend], dict[str, str]]:
    found: dict[str, Backend] = {}
    broken: dict[str, str] = {}
    for point in sorted(entry_points(group=GROUP), key=lambda p: p.name):
        try:
            backend = point.load()
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not break the others
            broken[point.name] = f"{type(exc).__name__}: {exc}"
            continue
        if not isinstance(backend, Backend):
            broken[point.name] = f"entry point {point.value} is not an archdsl Backend"
            continue
        unknown = sorted(backend.shared_options - set(SHARED_OPTIONS))
        if unknown:
            broken[point.name] = f"shared option(s) {', '.join(unknown)} unknown; the CLI shares {', '.join(SHARED_OPTIONS)}"
            continue
        found[backend.name] = backend
    return found, broken


def backends() -> dict[str, Backend]:
    """Every installed backend that loads, by name, sorted."""
    return _discover()[0]


def get_backend(name: str) -> Backend:
    """The backend called `name`, or a BackendError saying why it is not available."""
    found, broken = _discover()
    if name in broken:
        raise BackendError(f"backend '{name}' is installed but failed to load: {broken[name]}")
    if name not in found:
        raise BackendError(
            f"no backend '{name}' is installed",
            hint=did_you_mean(name, found) or f"installed: {', '.join(found) or 'none'}",
        )
    return found[name]
