"""Copied block instances (archdsl.expansion.replay) make the graph a full expansion makes."""

from __future__ import annotations

import pytest

import archdsl
from archdsl.expansion.replay import Templates
from archdsl.ir.graph import Graph
from archdsl.spec.library import library_names

HEADER = """
archdsl: 1
name: t
inputs: {x: [4, 8, 8]}
"""


def without_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every block instance expanded from its YAML, as before templates existed."""
    monkeypatch.setattr(Templates, "find", lambda self, key: None)


def snapshot(graph: Graph) -> tuple:
    """Everything expansion produces, in order."""
    return (list(graph.nodes.items()), list(graph.types.items()), list(graph.scopes.items()), graph.outputs)


def both_ways(monkeypatch: pytest.MonkeyPatch, load) -> tuple[tuple, tuple, archdsl.Model]:  # noqa: ANN001
    copied = load()
    with monkeypatch.context() as patch:
        without_copies(patch)
        full = load()
    return snapshot(copied.graph), snapshot(full.graph), copied


@pytest.mark.parametrize("name", library_names())
def test_library_spec_expands_the_same_with_and_without_copies(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    copied, full, _ = both_ways(monkeypatch, lambda: archdsl.load(name))
    assert copied == full


def test_copies_are_made_for_repeated_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    original = Templates.find

    def spy(self: Templates, key: tuple):  # noqa: ANN202
        found = original(self, key)
        made.append("copy" if found is not None else "expand")
        return found

    monkeypatch.setattr(Templates, "find", spy)
    archdsl.load("resnet152")
    # 50 bottlenecks in 4 stages; each stage's first block and second block are new cases.
    assert made.count("copy") == 50 - 8


def test_same_tensor_twice_is_not_confused_with_two_tensors(monkeypatch: pytest.MonkeyPatch, load_text) -> None:  # noqa: ANN001
    spec = HEADER + """
blocks:
  pair:
    inputs: [a, b]
    graph:
      - s: {op: add, from: [a, b]}
graph:
  - c: {op: conv2d, out: 4, kernel: 1}
  - p1: {block: pair, from: {a: c, b: c}}
  - p2: {block: pair, from: {a: c, b: x}}
  - p3: {block: pair, from: {a: p1, b: p2}}
"""
    copied, full, model = both_ways(monkeypatch, lambda: load_text(spec))
    assert copied == full
    assert [str(r) for r in model.graph.nodes["p2.s"].inputs] == ["c", "x"]
    assert [str(r) for r in model.graph.nodes["p3.s"].inputs] == ["p1.s", "p2.s"]


def test_other_output_port_of_an_input_is_never_copied_stale(monkeypatch: pytest.MonkeyPatch, load_text) -> None:  # noqa: ANN001
    # The block reads port 1 of its input's node, whose type the instance key does not cover:
    # both instances' port-0 types agree while their port-1 types differ.
    spec = """
archdsl: 1
name: seq
inputs: {tokens: {shape: [12], dtype: int64}}
blocks:
  last_state:
    graph:
      - h: {op: select, from: "input:1", dim: 0, index: -1}
graph:
  - embed: {op: embedding, num: 100, dim: 16}
  - one: {op: lstm, hidden: 32}
  - two: {op: lstm, hidden: 32, from: embed, bidirectional: false, num_layers: 3}
  - a: {block: last_state, from: one}
  - b: {block: last_state, from: two}
outputs: [a, b]
"""
    copied, full, model = both_ways(monkeypatch, lambda: load_text(spec))
    assert copied == full
    assert [str(r) for r in model.graph.nodes["b.h"].inputs] == ["two:1"]


def test_dotted_references_reach_into_copies(monkeypatch: pytest.MonkeyPatch, load_text) -> None:  # noqa: ANN001
    spec = HEADER + """
blocks:
  unit:
    graph:
      - conv: {op: conv2d, out: 4, kernel: 3, padding: 1}
      - inner: {graph: [{op: relu}, {op: conv2d, out: 4, kernel: 1}]}
graph:
  - stack: {repeat: 3, name: "u${i}", block: unit}
  - tap: {op: add, from: [stack.u2.conv, "stack.u1.inner"]}
  - all: {op: concat, from: [stack.*]}
"""
    copied, full, model = both_ways(monkeypatch, lambda: load_text(spec))
    assert copied == full
    assert [str(r) for r in model.graph.nodes["tap"].inputs] == ["stack.u2.conv", "stack.u1.inner.1"]
    assert model.graph.scopes["stack.u2.inner"].parent == "stack.u2"


def test_node_limit_is_reported_at_the_same_node_with_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    from archdsl.errors import ArchdslError
    from archdsl.limits import Limits

    def message() -> str:
        with pytest.raises(ArchdslError) as caught:
            archdsl.load("resnet50", limits=Limits(graph_nodes=120))
        return str(caught.value)

    copied = message()
    with monkeypatch.context() as patch:
        without_copies(patch)
        assert message() == copied
    assert "more than 120 nodes" in copied
