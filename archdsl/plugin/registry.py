"""What plugins were loaded, what each registered, and which lowerings they declared.

A plugin is loaded by running its loader (an import, or a call of its entry
point) while it is the *current* plugin: the ops that appear in `OPS`
meanwhile, and the lowering modules it declares with `lowering()`, are
attributed to it. A load that raises leaves no op of it behind.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from archdsl.ops.base import OPS
from archdsl.runfiles import note_input


@dataclass
class Plugin:
    """One plugin: an installed distribution's entry point, or a module a spec names."""

    name: str
    """The distribution's name (`archdsl-coordconv`), or the module's for a spec's plugin."""
    source: str
    """Where it comes from, for messages: the entry point or the module's file."""
    path: Path | None = None
    """A directory to put on sys.path while importing its lowering modules (a spec's plugin)."""
    ops: list[str] = field(default_factory=list)
    """The ops its load registered, in registration order."""
    lowerings: dict[str, list[str]] = field(default_factory=dict)
    """Backend name → modules holding its lowerings for that backend."""
    error: str | None = None
    """Why its load failed (`ImportError: ...`), or None."""


LOADED: dict[str, Plugin] = {}
"""Every plugin loaded in this process (failed ones included), by load key."""
DECLARED: dict[str, list[tuple[str, Plugin | None]]] = {}
"""Backend name → (lowering module, the plugin that declared it), in declaration order."""
IMPORTED: dict[tuple[str, str], str | None] = {}
"""(backend, lowering module) → None once imported, or why its import failed."""
_current: list[Plugin] = []


def run_loader(plugin: Plugin, load: Callable[[], object]) -> Plugin:
    """Run `load`, attributing the ops and lowerings it registers to `plugin`."""
    before = set(OPS)
    _current.append(plugin)
    try:
        load()
    except Exception as exc:  # noqa: BLE001 - a broken plugin is reported, never fatal
        for name in set(OPS) - before:
            del OPS[name]
        _forget_lowerings(plugin)
        plugin.error = f"{type(exc).__name__}: {exc}"
    finally:
        _current.pop()
    plugin.ops = [name for name in OPS if name not in before]
    return plugin


def lowering(backend: str, module: str) -> None:
    """Declare that `module` registers lowerings for `backend` (through that backend's own
    registration API, e.g. `archdsl.backends.torch.table.lowers`); it is imported when the backend
    first lowers something, so a plugin costs nothing for backends that are not used."""
    plugin = _current[-1] if _current else None
    DECLARED.setdefault(backend, []).append((module, plugin))
    if plugin is not None:
        plugin.lowerings.setdefault(backend, []).append(module)


def load_lowerings(backend: str) -> None:
    """Import every lowering module declared for `backend` not imported yet (failures are
    recorded and reported when an op they should have lowered is missing)."""
    for module, plugin in DECLARED.get(backend, ()):
        if (backend, module) not in IMPORTED:
            try:
                with on_path(plugin.path if plugin else None):
                    importlib.import_module(module)
                IMPORTED[(backend, module)] = None
            except Exception as exc:  # noqa: BLE001 - reported per op, see `lowering_gap`
                IMPORTED[(backend, module)] = f"{type(exc).__name__}: {exc}"
        if plugin is not None and plugin.path is not None:
            _note_local_module(module, backend, plugin.path)


def _note_local_module(module: str, backend: str, folder: Path) -> None:
    """A lowering module imported from beside a spec is an input of the run, like the plugin."""
    where = getattr(sys.modules.get(module), "__file__", None)
    if where is not None and Path(where).resolve().is_relative_to(folder.resolve()):
        note_input(where, f"the {backend} lowering module '{module}' of a plugin this command imports")


def origin(op: str) -> Plugin | None:
    """The loaded plugin that registered `op` (None for archdsl's own ops)."""
    return next((p for p in LOADED.values() if op in p.ops), None)


def lowering_gap(op: str, backend: str, how: str) -> tuple[str, str] | None:
    """For a backend that has no rule for `op`: when a plugin provides the op, what to add
    to the message (which plugin, what it lowers to) and a hint; None for archdsl's ops.
    `how` says how a rule is registered for this backend, e.g. '`@lowers("op")` from
    archdsl.backends.torch.table'."""
    plugin = origin(op)
    if plugin is None:
        return None
    declared = plugin.lowerings.get(backend, [])
    failed = [(m, IMPORTED.get((backend, m))) for m in declared if IMPORTED.get((backend, m))]
    if failed:
        module, error = failed[0]
        detail = f"it comes from plugin {plugin.name}, whose {backend} lowerings ({module}) failed to load: {error}"
    elif declared:
        detail = f"it comes from plugin {plugin.name}, whose {backend} lowerings ({', '.join(declared)}) do not include it"
    else:
        others = ", ".join(sorted(plugin.lowerings)) or "no backend"
        detail = f"it comes from plugin {plugin.name}, which provides no {backend} lowering (it lowers to: {others})"
    hint = (f"the plugin can add one with {how}, in a module it declares with "
            f"archdsl.plugin.lowering({backend!r}, MODULE) (see docs/plugins.md)")
    return detail, hint


@contextmanager
def on_path(directory: Path | None) -> Iterator[None]:
    """Put `directory` first on sys.path for the duration (nothing when None)."""
    if directory is None:
        yield
        return
    entry = str(directory)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        sys.path.remove(entry)


def _forget_lowerings(plugin: Plugin) -> None:
    for backend, modules in plugin.lowerings.items():
        DECLARED[backend] = [(m, p) for m, p in DECLARED.get(backend, []) if p is not plugin]
        del modules[:]
    plugin.lowerings.clear()
