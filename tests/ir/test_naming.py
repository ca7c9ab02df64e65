"""Names the spec library relies on: a node named by a reserved key, and positional
numbering around named repeats (torchvision's EfficientNet: features.0, features.1 … features.8)."""

from __future__ import annotations

HEADER = """
archdsl: 1
name: t
inputs: {x: [3, 8, 8]}
"""


def names(model) -> list[str]:
    return [n.name for n in model.graph if n.op != "input"]


def test_name_key_gives_a_node_a_reserved_name(load_text) -> None:
    model = load_text(HEADER + """
graph:
  - name: block
    graph:
      - {op: conv2d, out: 3, kernel: 1}
  - add: {op: add, from: [block, x]}
""")
    assert names(model) == ["block.0", "add"]
    assert [str(r) for r in model.graph.nodes["add"].inputs] == ["block.0", "x"]


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
