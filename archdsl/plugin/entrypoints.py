"""Installed plugins: the `archdsl.ops` entry points of installed distributions.

Each entry point names one op it provides and the object that registers it:

    [project.entry-points."archdsl.ops"]
    coordconv = "archdsl_coordconv"            # a module: importing it registers the op
    squeeze_excite = "archdsl_coordconv"       # several ops may share one module

The object may also be an `Op` subclass (registered if it is not yet) or any
other callable (called with no arguments). Discovery reads package metadata
only; a plugin is imported when a spec first uses one of its ops (or when
every op is wanted, for the JSON Schema), so an unused or broken plugin costs
nothing and breaks nothing.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from archdsl.errors import SpecError
from archdsl.ops.base import OPS, Op, register
from archdsl.plugin.registry import LOADED, Plugin, run_loader

GROUP = "archdsl.ops"


@cache
def declared() -> dict[str, tuple[EntryPoint, ...]]:
    """Op name → the entry points declaring it, sorted (the same order on every run)."""
    found: dict[str, list[EntryPoint]] = {}
    for point in sorted(entry_points(group=GROUP), key=lambda p: (p.name, distribution(p), p.value)):
        found.setdefault(point.name, []).append(point)
    return {name: tuple(points) for name, points in found.items()}


def refresh() -> None:
    """Forget what discovery found (after installing a plugin into a running process)."""
    importlib.invalidate_caches()
    declared.cache_clear()


def distribution(point: EntryPoint) -> str:
    """The name of the distribution that declares `point`."""
    dist = getattr(point, "dist", None)
    return dist.name if dist is not None else "an unknown distribution"


def load_point(point: EntryPoint) -> Plugin:
    """Load the plugin behind `point` once (later calls return the same record)."""
    key = f"entry point {distribution(point)}:{point.value}"
    if key not in LOADED:
        dist = getattr(point, "dist", None)
        version = f" {dist.version}" if dist is not None else ""
        plugin = Plugin(distribution(point), f"{distribution(point)}{version}, entry point {point.name} = {point.value}")
        LOADED[key] = run_loader(plugin, lambda: _run(point.load()))
    return LOADED[key]


def _run(target: object) -> None:
    if isinstance(target, ModuleType):
        return
    if isinstance(target, type) and issubclass(target, Op):
        if type(OPS.get(target.name)) is not target:  # already registered by its module's @register
            register(target)
        return
    if not callable(target):
        raise TypeError(f"the entry point's object is a {type(target).__name__}, not a module, Op class or callable")
    target()


def provide(op: str) -> Op | None:
    """The op `op` from the installed plugin that declares it, loading that plugin; None if no
    plugin declares it. A SpecError when the plugin cannot provide it."""
    points = declared().get(op)
    if not points:
        return None
    dists = sorted({distribution(p) for p in points})
    if len(dists) > 1:
        raise SpecError(f"op '{op}' is declared by several plugins: {', '.join(dists)}",
                        hint="uninstall all but one of them")
    plugin = load_point(points[0])
    if plugin.error is not None:
        raise SpecError(f"op '{op}' is provided by plugin {plugin.name} which failed to load: {plugin.error}",
                        hint=f"fix or reinstall {plugin.name}; `archdsl plugins` lists every plugin and its state")
    if op not in OPS:
        made = ", ".join(plugin.ops) or "no op"
        raise SpecError(f"plugin {plugin.name} declares op '{op}' ({points[0].value}), but loading it registered {made}",
                        hint="the plugin's entry point name must be the name of an op it registers")
    return OPS[op]


def load_all() -> list[Plugin]:
    """Load every installed plugin (for the JSON Schema and `archdsl plugins`); their records,
    failed ones included, in discovery order."""
    found: dict[int, Plugin] = {}
    for points in declared().values():
        for point in points:
            plugin = load_point(point)
            found.setdefault(id(plugin), plugin)
    return list(found.values())


def plugin_ops() -> list[str]:
    """Every op name an installed plugin declares (loaded or not), for 'did you mean' hints."""
    return list(declared())
