"""Plugin modules a spec names with `plugins: [my_ops]`.

Importing a module runs its code, so a spec's plugins are imported only when
the user allows it (`--allow-plugins`, `archdsl.load(..., allow_plugins=True)`).
A name is looked up next to the spec file that names it first
(`my_ops.py` or `my_ops/__init__.py`), then on sys.path. A local file obeys the
same reach as `extends:`/`use:` (archdsl/spec/reach.py): a symlink beside the spec
that leads outside its folder is refused unless `--allow-outside` names the folder.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from archdsl.errors import ArchdslError, ErrorGroup, SpecError
from archdsl.plugin.registry import LOADED, Plugin, on_path, run_loader
from archdsl.runfiles import note_input
from archdsl.spec.loader import Source
from archdsl.spec.reach import Reach, real_path

MODULE_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
"""A dotted module path (`.fullmatch`: `$` would accept a trailing newline)."""


def import_spec_plugins(uses: Sequence[tuple[str, Source]], allowed: bool, reach: Reach | None = None) -> None:
    """Import each plugin module a spec names; located SpecErrors when not allowed, out of
    `reach` (a local file only; None: no check) or broken."""
    errors: list[ArchdslError] = []
    for name, source in uses:
        try:
            if not allowed:
                raise SpecError(
                    f"the spec names plugin module '{name}'; importing it runs its code, so it needs permission",
                    hint="if you trust it, pass --allow-plugins (Python: archdsl.load(..., allow_plugins=True))",
                )
            import_plugin(name, Path(source.doc.file).parent, reach)
        except ArchdslError as error:
            errors.append(error.located(source.span))
    if errors:
        raise ErrorGroup(errors)


def import_plugin(name: str, directory: Path, reach: Reach | None = None) -> Plugin:
    """Import the plugin module `name`, from `directory` if it is there (and within `reach`),
    else from sys.path."""
    if not isinstance(name, str) or not MODULE_NAME.fullmatch(name):
        stem = str(name).removesuffix(".py").replace("/", ".")
        raise SpecError(f"plugin {name!r} is not a Python module name",
                        hint=f"name the module, e.g. '{stem}'" if MODULE_NAME.fullmatch(stem) else "e.g. my_ops or pkg.ops")
    local = _local_file(name, directory, reach)
    if local is not None:
        note_input(local, f"plugin module '{name}', which this command imports")
    key = f"module {local or name}"
    if key in LOADED and LOADED[key].error is None:
        return LOADED[key]
    if local is not None:
        _check_not_shadowed(name, local)
    elif not _on_sys_path(name):
        stem = name.removesuffix(".py")
        raise SpecError(f"plugin module '{name}' not found (looked in {directory} and on sys.path)",
                        hint=f"name the module, not its file: '{stem}'" if stem != name else None)
    plugin = Plugin(name, str(local) if local else f"module {name} on sys.path", path=directory if local else None)
    LOADED[key] = run_loader(plugin, lambda: _import(name, directory if local else None))
    if plugin.error is not None:
        raise SpecError(f"plugin module '{name}' failed to import: {plugin.error}",
                        hint="the error is in the plugin's own code; fix it there")
    return plugin


def _local_file(name: str, directory: Path, reach: Reach | None) -> Path | None:
    """The module's file beside the spec, resolved; one that resolves out of `reach` is refused
    before it is looked at."""
    base = directory.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if not os.path.lexists(candidate):
            continue
        real = real_path(candidate)
        if reach is not None:
            reach.check(real, name, "plugins")
        if real.is_file():
            return real
    return None


def _check_not_shadowed(name: str, local: Path) -> None:
    """A module of that name imported from elsewhere would be used instead: say so."""
    loaded = sys.modules.get(name)
    where = getattr(loaded, "__file__", None)
    if loaded is not None and (where is None or Path(where).resolve() != local):
        raise SpecError(f"plugin module '{name}' ({local}) clashes with the module '{name}' already loaded from {where}",
                        hint="rename the plugin module")


def _import(name: str, directory: Path | None) -> None:
    with on_path(directory):
        importlib.import_module(name)


def _on_sys_path(name: str) -> bool:
    """Whether `name` can be found on sys.path (a dotted name imports its parent packages)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False  # a package on the way is missing
    except Exception:  # noqa: BLE001 - a parent package that fails: the import reports it
        return True
