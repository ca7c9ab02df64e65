"""The backend registry: lowerings are found through the `archdsl.backends` entry points.

The core never imports a backend by name. A backend package exposes a `Backend`
object and names it in its distribution's entry points, e.g.

    [project.entry-points."archdsl.backends"]
    torch = "backends.torch:BACKEND"
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from archdsl.errors import BackendError, did_you_mean

GROUP = "archdsl.backends"


@dataclass(frozen=True)
class Backend:
    """What a backend offers the core: a Python lowering and, optionally, CLI hooks."""

    name: str
    description: str
    lower: Callable[..., Any]
    """`lower(model, **options)`: the backend's object (a module, a ModelProto, a Digraph)."""
    build: Callable[[Any, argparse.Namespace], str] | None = None
    """`archdsl build --backend NAME`: `build(model, args)` writes `args.output` atomically, returns a summary."""
    add_build_arguments: Callable[[argparse._ArgumentGroup], None] | None = None
    """Extra options of `archdsl build` for this backend (names must not clash)."""
    register_commands: Callable[[Any], None] | None = None
    """Adds the backend's own subcommands (`render`, `export`, ...) to the CLI."""
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
