"""Plugins installed for the tests of this package, and taken away after them.

Installing for real (`pip install tests/plugins/archdsl_coordconv`) takes seconds;
importlib.metadata finds a distribution through a `*.dist-info` directory on
sys.path, so the fixture writes one (with the entry points of the plugin's own
pyproject.toml) into a temporary directory and puts it, and the plugin's
sources, on sys.path. Two broken distributions sit beside it: one whose module
raises on import, one whose module is missing.

The fixture is module-scoped and restores every registry it touched (ops,
the backends' tables, the plugin records), so tests elsewhere in the same
worker see archdsl's own op set only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

import archdsl.plugin
from archdsl.ops import OPS
from archdsl.plugin import registry

PLUGIN = Path(__file__).parent / "archdsl_coordconv"
BROKEN_MODULE = 'raise RuntimeError("this plugin is broken on purpose")\n'


def write_distribution(site: Path, name: str, version: str, entry_points: dict[str, dict[str, str]]) -> None:
    """A minimal installed distribution: METADATA and entry_points.txt in NAME-VERSION.dist-info."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    lines = []
    for group, points in entry_points.items():
        lines += [f"[{group}]", *(f"{key} = {value}" for key, value in points.items()), ""]
    (info / "entry_points.txt").write_text("\n".join(lines), encoding="utf-8")


def _tables() -> list[dict]:
    """Every registry a plugin may add to (the backends' rules loaded first, so restoring
    them never removes archdsl's own rules)."""
    from archdsl.backends.graphviz import labels
    from archdsl.backends.onnx.rules import load_rules as onnx_rules
    from archdsl.backends.torch.rules import load_rules as torch_rules

    return [OPS, torch_rules(), onnx_rules(), labels.RULES, registry.LOADED, registry.DECLARED, registry.IMPORTED]


@contextmanager
def registries_restored() -> Iterator[None]:
    """Whatever plugins register inside is gone afterwards."""
    tables = _tables()
    before = [dict(table) for table in tables]
    try:
        yield
    finally:
        for table, saved in zip(tables, before, strict=True):
            table.clear()
            table.update(saved)
        archdsl.plugin.refresh()


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """archdsl-coordconv (and two broken plugins) installed for the tests of one module."""
    site = tmp_path_factory.mktemp("site-packages")
    project = tomllib.loads((PLUGIN / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    write_distribution(site, project["name"], project["version"], project["entry-points"])
    write_distribution(site, "archdsl-broken", "1.0", {"archdsl.ops": {"broken_op": "archdsl_broken"}})
    (site / "archdsl_broken.py").write_text(BROKEN_MODULE, encoding="utf-8")
    write_distribution(site, "archdsl-missing", "2.0", {"archdsl.ops": {"missing_op": "archdsl_not_installed"}})
    with registries_restored():
        sys.path[:0] = [str(site), str(PLUGIN)]
        archdsl.plugin.refresh()
        try:
            yield site
        finally:
            sys.path.remove(str(site))
            sys.path.remove(str(PLUGIN))
            _forget_modules(lambda name, module: name.split(".")[0] in ("archdsl_coordconv", "archdsl_broken"))


@pytest.fixture
def spec_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory for a spec and its local plugin modules, forgotten after the test."""
    with registries_restored():
        yield tmp_path
        _forget_modules(lambda name, module: str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)))


def _forget_modules(which: Callable[[str, ModuleType], bool]) -> None:
    for name in [name for name, module in sys.modules.items() if which(name, module)]:
        del sys.modules[name]


@pytest.fixture
def write_dist() -> Callable[[Path, str, str, dict[str, dict[str, str]]], None]:
    """`write_distribution`, for tests that install a distribution of their own."""
    return write_distribution
