"""The inference rewrite passes on the IR: what each removes or rewrites, that the result is
verified, that passes are pure and idempotent, and that a broken rewrite is caught."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

import archdsl
from archdsl.ir.graph import Graph, Ref
from archdsl.passes import (
    FoldBatchNorm,
    Pass,
    RewriteError,
    Rewritten,
    drop_identities,
    drop_train_only,
    fold_batchnorm,
    optimize,
)
from archdsl.passes.rewrite import Edit, rewire

SPEC = """
archdsl: 1
name: t
inputs: {x: [3, 8, 8], extra: [4]}
graph:
  - stem: {graph: [{c: {op: conv2d, out: 4, kernel: 3, padding: 1, bias: false}}, {b: {op: batchnorm2d}}, {r: {op: relu}}]}
  - drop: {op: dropout2d, p: 0.1}
  - same: {op: identity}
  - path: {op: drop_path, p: 0.1}
  - pool: {op: adaptive_avgpool2d, size: 1}
  - flat: {op: flatten}
  - fc: {op: linear, out: 5}
  - fcbn: {op: batchnorm1d}
  - out: {op: dropout, p: 0.5}
  - head: {op: linear, out: 2, from: extra}
outputs:
  - logits: out
  - aux: {from: head, train_only: true}
"""


@pytest.fixture
def model(load_text: Any) -> archdsl.Model:
    return load_text(SPEC)


def ops(graph: Graph) -> Counter[str]:
    return Counter(node.op for node in graph)


def test_the_pipeline_leaves_only_what_inference_computes(model: archdsl.Model) -> None:
    result = optimize(model.graph)
    assert list(result.graph.nodes) == ["x", "extra", "stem.c", "stem.r", "pool", "flat", "fc"]
    assert list(result.graph.outputs) == ["logits"]
    assert result.graph.outputs["logits"].ref == Ref("fc")
    assert [(f.producer, f.norm, f.had_bias) for f in result.weights] == [("stem.c", "stem.b", False), ("fc", "fcbn", True)]
    assert result.graph.nodes["stem.c"].attrs.bias is True
    assert result.graph.types["fc"] == model.graph.types["out"]


def test_passes_are_pure(model: archdsl.Model) -> None:
    before = dict(model.graph.nodes)
    types = dict(model.graph.types)
    optimize(model.graph)
    assert model.graph.nodes == before and model.graph.types == types
    assert model.graph.nodes["stem.c"].attrs.bias is False


def test_the_pipeline_is_idempotent(model: archdsl.Model) -> None:
    once = optimize(model.graph)
    twice = optimize(once.graph)
    assert twice.graph is once.graph and twice.weights == ()


def test_drop_identities_rewires_readers_and_outputs(model: archdsl.Model) -> None:
    result = drop_identities(model.graph)
    assert not {"dropout", "dropout2d", "drop_path", "identity"} & set(ops(result.graph))
    assert result.graph.nodes["pool"].inputs == (Ref("stem.r"),)
    assert result.graph.outputs["logits"].ref == Ref("fcbn")
    assert result.weights == ()


def test_drop_train_only_removes_heads_but_keeps_inputs(model: archdsl.Model) -> None:
    result = drop_train_only(model.graph)
    assert "head" not in result.graph.nodes and "aux" not in result.graph.outputs
    assert "extra" in result.graph.nodes  # an input stays an input, even with no reader left


def test_train_only_output_of_a_needed_node_is_left_out(load_text: Any) -> None:
    model = load_text("""
        archdsl: 1
        name: t
        inputs: {x: [4]}
        graph:
          - a: {op: linear, out: 3}
          - b: {op: relu}
        outputs:
          - b
          - features: {from: a, train_only: true}
        """)
    result = drop_train_only(model.graph)
    assert list(result.graph.outputs) == ["b"] and "a" in result.graph.nodes


def test_scopes_follow_the_rewrites() -> None:
    graph = archdsl.load("googlenet").graph
    result = optimize(graph).graph
    assert not any(name.startswith("aux") for name in result.scopes)
    assert graph.scopes["inception3a.branch1"].outputs == (Ref("inception3a.branch1.relu"),)
    assert result.scopes["inception3a.branch1"].outputs == (Ref("inception3a.branch1.relu"),)
    assert "inception3a.branch1.bn" not in result.nodes
    assert result.scopes["inception3a"].inputs == graph.scopes["inception3a"].inputs


@pytest.mark.parametrize(("text", "why"), [
    ("- a: {op: conv2d, out: 4, kernel: 1}\n- b: {op: batchnorm2d, track_running_stats: false}", "batch statistics"),
    ("- a: {op: conv2d, out: 4, kernel: 1}\n- b: {op: batchnorm2d}\n- c: {op: add, from: [a, b]}", "read twice"),
    ("- a: {op: relu}\n- b: {op: batchnorm2d}", "not a conv"),
    ("- s: {op: flatten, start_dim: 2}\n- a: {op: linear, out: 7}\n- b: {op: batchnorm1d}", "linear over N×C×L's last axis"),
])
def test_batchnorm_that_cannot_fold_stays(text: str, why: str, load_text: Any) -> None:
    body = "\n".join(f"  {line}" for line in text.splitlines())
    model = load_text(f"archdsl: 1\nname: t\ninputs: {{x: [3, 5, 7]}}\ngraph:\n{body}\n")
    result = fold_batchnorm(model.graph)
    assert result.weights == () and "b" in result.graph.nodes, why


def test_densenet_folds_only_the_convolutions_followed_by_batchnorm() -> None:
    graph = archdsl.load("densenet121").graph
    result = fold_batchnorm(graph)
    assert all(isinstance(f, FoldBatchNorm) and graph.nodes[f.producer].op == "conv2d" for f in result.weights)
    remaining = [n for n in result.graph if n.op == "batchnorm2d"]
    assert remaining and all(graph.nodes[n.inputs[0].node].op != "conv2d" for n in remaining)
    assert len(result.weights) + len(remaining) == ops(graph)["batchnorm2d"]


def _breaking(change: str) -> Pass:
    def run(graph: Graph) -> Rewritten:
        if change == "type":
            fc = graph.nodes["fc"]
            attrs = type(fc.attrs).model_validate({**fc.attrs.model_dump(), "out": 6})
            return Rewritten(rewire(graph, Edit(replaced={"fc": fc._replace(attrs=attrs)})))
        return Rewritten(rewire(graph, Edit(removed={"pool": Ref("x")})))

    return Pass(change, "a broken rewrite", run)


@pytest.mark.parametrize("change", ["type", "shape"])
def test_verification_catches_a_broken_rewrite(change: str, model: archdsl.Model) -> None:
    with pytest.raises(RewriteError, match=f"pass '{change}' broke the graph: node '(fc|flat)' changed type"):
        optimize(model.graph, [_breaking(change)])


def test_removing_a_read_node_without_replacement_is_caught(model: archdsl.Model) -> None:
    with pytest.raises(RewriteError, match="reads 'pool'"):
        rewire(model.graph, Edit(removed={"pool": None}))
