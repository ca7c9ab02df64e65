"""The import structure docs/architecture.md describes: layered packages, no import cycles between files."""

from __future__ import annotations

from pathlib import Path

import grimp
import networkx as nx
import pytest
from importlinter.cli import lint_imports

REPO = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept(capsys: pytest.CaptureFixture[str]) -> None:
    # the contracts live in pyproject.toml (`lint-imports` in CI runs the same check)
    status = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True, no_logo=True)
    assert status == 0, capsys.readouterr().out


def test_no_file_imports_another_that_imports_it_back() -> None:
    graph = grimp.build_graph("archdsl")
    edges = nx.DiGraph((module, imported) for module in graph.modules
                       for imported in graph.find_modules_directly_imported_by(module))
    cycles = sorted(sorted(c) for c in nx.strongly_connected_components(edges) if len(c) > 1)
    assert cycles == []


def test_every_core_package_is_a_regular_package() -> None:
    # a folder without __init__.py is a namespace package, which import-linter cannot see into
    folders = [p for p in (REPO / "archdsl").rglob("*") if p.is_dir() and any(p.glob("*.py"))]
    assert [str(p.relative_to(REPO)) for p in folders if not (p / "__init__.py").exists()] == []
