"""Naming and references the spec library relies on: a node named by a reserved key,
positional numbering around named repeats (torchvision's EfficientNet: features.0,
features.1 … features.8), and `group.*` for every instance of a repeat (FractalNet's joins)."""

from __future__ import annotations

import pytest

from archdsl.errors import ArchdslError
from tests.ir.test_expansion import HEADER, names


def inputs(model, node: str) -> list[str]:
    return [str(r) for r in model.graph.nodes[node].inputs]


def test_name_key_gives_a_node_a_reserved_name(load_text) -> None:
    model = load_text(HEADER + """
graph:
  - name: block
    graph:
      - {op: conv2d, out: 3, kernel: 1}
  - add: {op: add, from: [block, x]}
""")
    assert names(model) == ["block.0", "add"]
    assert inputs(model, "add") == ["block.0", "x"]


def test_named_repeat_takes_its_place_in_the_numbering(load_text) -> None:
    model = load_text(HEADER + """
graph:
  - features:
      graph:
        - {op: conv2d, out: 4, kernel: 1}
        - repeat: 2
          var: s
          graph:
            - "${s + 1}": {repeat: 2, op: relu}
        - {op: conv2d, out: 4, kernel: 1}
""")
    assert names(model) == ["features.0", "features.1.0", "features.1.1", "features.2.0", "features.2.1", "features.3"]


def test_star_lists_every_instance_of_a_repeat(load_text) -> None:
    model = load_text(HEADER + """
graph:
  - branches:
      repeat: 3
      graph:
        - {op: conv2d, from: x, out: 4, kernel: 1}
  - first: {op: conv2d, from: x, out: 4, kernel: 3, padding: 1}
  - join: {op: mean, from: [first, "branches.*"]}
""")
    assert inputs(model, "join") == ["first", "branches.0.0", "branches.1.0", "branches.2.0"]


def test_star_of_an_empty_repeat_lists_nothing(load_text) -> None:
    model = load_text(HEADER + """
graph:
  - conv: {op: conv2d, out: 4, kernel: 1}
  - more: {repeat: 0, op: relu, from: x}
  - join: {op: concat, from: [conv, "more.*", x]}
""")
    assert inputs(model, "join") == ["conv", "x"]


def test_star_needs_a_named_repeat(load_text) -> None:
    with pytest.raises(ArchdslError, match="instances of a named `repeat`"):
        load_text(HEADER + """
graph:
  - branch: {graph: [relu]}
  - join: {op: add, from: [x, "branch.*"]}
""")


def test_from_that_lists_nothing_is_an_error(load_text) -> None:
    with pytest.raises(ArchdslError, match="names no input"):
        load_text(HEADER + """
graph:
  - more: {repeat: 0, op: relu}
  - join: {op: mean, from: ["more.*"], when: false}
""")
