"""A golden DOT file for a small spec, and byte-identical DOT for the same input.

The golden files were checked by reading them against tests/backends/graphviz/data/tiny.yaml
(and by looking at their PNGs). To regenerate after an intended change:
ARCHDSL_UPDATE_GOLDEN=1 pytest tests/backends/graphviz/test_graphviz_golden.py, then review the diff.
"""

from __future__ import annotations

import os
from typing import Any

import graphviz
import pytest

import archdsl
from archdsl.backends.graphviz import to_dot

DATA = os.path.join(os.path.dirname(__file__), "data")
GOLDEN: dict[str, dict[str, Any]] = {
    "tiny.dot": {},
    "tiny-depth1.dot": {"depth": 1, "show": "rf,macs"},
}


@pytest.mark.parametrize("golden", sorted(GOLDEN))
def test_dot_matches_the_golden_file(golden: str) -> None:
    source = to_dot(archdsl.load(os.path.join(DATA, "tiny.yaml")), **GOLDEN[golden])
    path = os.path.join(DATA, golden)
    if os.environ.get("ARCHDSL_UPDATE_GOLDEN"):
        with open(path, "w", encoding="utf-8") as out:
            out.write(source)
    with open(path, encoding="utf-8") as expected:
        assert source == expected.read()


def test_same_input_same_bytes(library_model) -> None:
    first = to_dot(archdsl.load("googlenet"), depth=1, expand=["inception4a"], show=["rf", "macs"])
    second = to_dot(library_model("googlenet"), depth=1, expand=("inception4a",), show="macs,rf")
    assert first == second


def test_python_api_returns_a_digraph(tiny) -> None:
    diagram = tiny.to_graphviz(depth=0, rankdir="LR")
    assert isinstance(diagram, graphviz.Digraph)
    assert "rankdir=LR" in diagram.source and diagram.source == to_dot(tiny, depth=0, rankdir="lr")
