"""Expansion of the language into the IR: names, scopes, references, repeat, when."""

from __future__ import annotations

import pytest

from archdsl.errors import ArchdslError

HEADER = """
archdsl: 1
name: t
inputs: {x: [3, 8, 8]}
"""


def names(model) -> list[str]:
    return [n.name for n in model.graph if n.op != "input"]


def test_sequential_default_and_positional_names(load_text) -> None:
    model = load_text(HEADER + """
graph:
  - conv: {op: conv2d, out: 4, kernel: 3, padding: 1}
  - relu
  - {op: conv2d, out: 4, kernel: 1}
""")
    assert names(model) == ["conv", "1", "2"]
    assert [str(r) for r in model.graph.nodes["2"].inputs] == ["1"]


def test_inline_graph_scope_and_sequential_numbering(load_text) -> None:
    model = load_text(HEADER + """
graph:
  - features:
      graph:
        - {op: conv2d, out: 4, kernel: 3}
        - relu
        - pool: {op: maxpool2d, kernel: 2}
  - flatten: {op: flatten}
""")
    assert names(model) == ["features.0", "features.1", "features.pool", "flatten"]
    assert model.graph.scopes["features"].kind == "graph"


def test_unnamed_repeat_of_graph_splices_like_sequential(load_text) -> None:
    model = load_text(HEADER + """
params: {cfg: [4, 8]}
graph:
  - features:
      graph:
        - repeat: "${len(cfg)}"
          graph:
            - {op: conv2d, out: "${cfg[i]}", kernel: 3, padding: 1}
            - relu
""")
    assert names(model) == ["features.0", "features.1", "features.2", "features.3"]
    assert model.graph.types["features.2"][0].shape == ("N", 8, 8, 8)


def test_named_repeat_of_block_with_first_instance_override(load_text) -> None:
    model = load_text(HEADER + """
blocks:
  unit:
    params: {out: int, stride: 1}
    graph:
      - conv: {op: conv2d, out: "${out}", kernel: 3, stride: "${stride}", padding: 1}
graph:
  - layer: {repeat: 3, block: unit, with: {out: 4, stride: "${2 if i == 0 else 1}"}}
""")
    assert names(model) == ["layer.0.conv", "layer.1.conv", "layer.2.conv"]
    assert model.graph.types["layer.2.conv"][0].shape == ("N", 4, 4, 4)
    assert model.graph.scopes["layer"].kind == "repeat"
    assert model.graph.scopes["layer.1"].params == (("out", 4), ("stride", 1))


def test_repeat_name_pattern_and_custom_index(load_text) -> None:
    model = load_text(HEADER + """
graph:
  - stack:
      graph:
        - repeat: 2
          var: k
          name: "layer${k + 1}"
          op: relu
""")
    assert names(model) == ["stack.layer1", "stack.layer2"]


def test_when_false_is_identity_of_its_input(load_text) -> None:
    model = load_text(HEADER + """
params: {project: false}
graph:
  - conv: {op: conv2d, out: 3, kernel: 1}
  - shortcut: {from: x, when: "${project}", op: conv2d, out: 3, kernel: 1}
  - add: {op: add, from: [conv, shortcut]}
""")
    assert names(model) == ["conv", "add"]
    assert [str(r) for r in model.graph.nodes["add"].inputs] == ["conv", "x"]
    projected = load_text(HEADER + """
params: {project: true}
graph:
  - conv: {op: conv2d, out: 3, kernel: 1}
  - shortcut: {from: x, when: "${project}", op: conv2d, out: 3, kernel: 1}
  - add: {op: add, from: [conv, shortcut]}
""")
    assert "shortcut" in names(projected)


def test_block_reads_input_shape_and_top_level_params(load_text) -> None:
    model = load_text(HEADER + """
params: {factor: 2}
blocks:
  widen:
    graph:
      - conv: {op: conv2d, out: "${input.channels * factor}", kernel: 1}
graph:
  - a: {block: widen}
  - b: {block: widen}
""")
    assert model.graph.types["b.conv"][0].shape == ("N", 12, 8, 8)


def test_multi_input_block_and_dotted_references(load_text) -> None:
    model = load_text(HEADER + """
blocks:
  merge:
    inputs: [left, right]
    graph:
      - cat: {op: concat, from: [left, right]}
  tower:
    graph:
      - stem: {op: conv2d, out: 2, kernel: 1}
      - head: {op: conv2d, out: 5, kernel: 1}
    outputs: [stem, head]
graph:
  - t: {block: tower}
  - m: {block: merge, from: {left: t.stem, right: "t:head"}}
""")
    assert model.graph.types["m.cat"][0].shape == ("N", 7, 8, 8)
    assert [str(r) for r in model.graph.nodes["m.cat"].inputs] == ["t.stem", "t.head"]


def test_multi_output_op_ports_by_name_and_index(load_text) -> None:
    model = load_text("""
archdsl: 1
name: seq
inputs: {tokens: {shape: [12], dtype: int64}}
graph:
  - embed: {op: embedding, num: 100, dim: 16}
  - lstm: {op: lstm, hidden: 32, num_layers: 2}
  - last: {op: select, from: "lstm:h_n", dim: 0, index: -1}
  - fc: {op: linear, out: 5}
  - state: {op: identity, from: "lstm:2"}
outputs: [fc, state]
""")
    assert model.graph.types["last"][0].shape == ("N", 32)
    assert model.graph.nodes["state"].inputs[0].port == 2


def test_extends_overrides_params_and_keeps_types(write_spec) -> None:
    import archdsl

    write_spec(HEADER + """
params: {width: 4, layers: 2}
graph:
  - body: {repeat: "${layers}", op: conv2d, out: "${width}", kernel: 1}
""", "base.yaml")
    child = write_spec("""
archdsl: 1
name: child
extends: base.yaml
params: {layers: 3}
""", "child.yaml")
    model = archdsl.load(child)
    assert model.graph.name == "child"
    assert names(model) == ["body.0", "body.1", "body.2"]
    with pytest.raises(ArchdslError, match="expects int"):
        archdsl.load(child, layers="three")


def test_use_imports_blocks_from_a_library_file(write_spec) -> None:
    import archdsl

    write_spec("""
archdsl: 1
blocks:
  act:
    graph: [relu]
""", "lib/blocks.yaml")
    spec = write_spec(HEADER + """
use: [lib/blocks.yaml]
graph:
  - a: {block: act}
""")
    assert names(archdsl.load(spec)) == ["a.0"]


def test_recursive_block_terminates_by_when(load_text) -> None:
    # FractalNet-style recursion: f(c) = mean(conv, f(c-1) ∘ f(c-1)), f(1) = conv.
    model = load_text(HEADER + """
blocks:
  fractal:
    params: {c: int}
    graph:
      - conv: {op: conv2d, from: input, out: 3, kernel: 3, padding: 1}
      - deep:
          from: input
          when: "${c > 1}"
          graph:
            - a: {block: fractal, with: {c: "${c - 1}"}}
            - b: {block: fractal, with: {c: "${c - 1}"}}
      - join: {op: mean, from: [conv, deep], when: "${c > 1}"}
graph:
  - f: {block: fractal, with: {c: 3}}
""")
    convs = [n for n in names(model) if n.endswith("conv")]
    assert len(convs) == 7  # 2^c - 1 convolutions for c = 3


def test_default_output_is_last_node_and_train_only_outputs(load_text) -> None:
    model = load_text(HEADER + """
graph:
  - trunk: {op: conv2d, out: 4, kernel: 1}
  - aux: {op: conv2d, out: 2, kernel: 1}
  - head: {op: conv2d, from: trunk, out: 3, kernel: 1}
outputs:
  - head
  - aux: {from: aux, train_only: true}
""")
    analysis = model.analyze()
    assert model.graph.outputs["aux"].train_only
    assert "aux" not in analysis.inference
    assert analysis.totals.params == (3 * 4 + 4) + (4 * 2 + 2) + (4 * 3 + 3)
    assert analysis.totals.macs == 64 * (4 * 3 + 3 * 4)  # aux excluded
