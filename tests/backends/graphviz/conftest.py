"""Helpers for the graphviz backend tests: lay DOT out with the real `dot` and read the SVG."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import archdsl

DATA = Path(__file__).parent / "data"
DOT_TIMEOUT_S = 120


@dataclass(frozen=True)
class Svg:
    """What `dot -Tsvg` made of a DOT source: the SVG text and what it said on stderr."""

    text: str
    stderr: str

    def count(self, cls: str) -> int:
        """Top-level SVG groups of a class: 'node', 'edge' or 'cluster'."""
        return len(re.findall(rf'<g id="[^"]+" class="{cls}">', self.text))

    def titles(self, cls: str) -> list[str]:
        """The <title> (the DOT id) of each group of a class, in document order."""
        pattern = rf'<g id="[^"]+" class="{cls}">\s*<title>([^<]*)</title>'
        return [_unescape(t) for t in re.findall(pattern, self.text)]


def dot_statements(source: str) -> tuple[list[str], list[str]]:
    """(cluster names, node ids) declared in DOT text as this backend writes it (one statement a line)."""
    clusters = re.findall(r'^\s*subgraph "?(cluster_[^" ]+)"? \{$', source, re.M)
    nodes = re.findall(r'^\s*("[^"]+"|[A-Za-z0-9_]+) \[', source, re.M)
    return clusters, [n.strip('"') for n in nodes if n not in ("graph", "node", "edge")]


def _unescape(text: str) -> str:
    return text.replace("&#45;", "-").replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")


def _dot_svg(source: str) -> Svg:
    """Run the system's Graphviz `dot` on `source` (skips the test when it is missing)."""
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    done = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True,
                          timeout=DOT_TIMEOUT_S, check=True)
    return Svg(done.stdout.decode(), done.stderr.decode())


@cache
def _library_model(name: str) -> archdsl.Model:
    """A library spec, loaded and analysed once per test session."""
    model = archdsl.load(name)
    model.analyze()
    return model


@pytest.fixture
def tiny() -> archdsl.Model:
    return archdsl.load(DATA / "tiny.yaml")


@pytest.fixture
def dot_svg() -> Callable[[str], Svg]:
    """`dot_svg(source)`: lay DOT out with the real `dot` (the test skips without it)."""
    return _dot_svg


@pytest.fixture
def library_model() -> Callable[[str], archdsl.Model]:
    """`library_model(name)`: a library spec, loaded and analysed once per session."""
    return _library_model


@pytest.fixture
def dot_text() -> Callable[[str], tuple[list[str], list[str]]]:
    """`dot_text(source)`: (cluster names, node ids) read from DOT text, without laying it out."""
    return dot_statements
