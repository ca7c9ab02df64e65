"""Every op's ONNX emission against the torch backend, node by node.

Each case is a small spec around one op. The torch backend's module gets weights
that make every tensor count (BatchNorm statistics far from 0 and 1); the ONNX
model gets the same ones. One onnxruntime session per case and mode serves batch
1 and batch 3 (the dynamic batch axis); both with and without the inference
rewrites, at every opset listed (emitters change form with the opset: Gelu from
20, GroupNormalization from 21). Each model passes the ONNX checker (full check)
and ONNX's shape inference agrees with archdsl's shape of every value. The table
must name every registered op, so a new op fails here until its emitter is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from archdsl.backends.onnx.checks import check, shape_mismatches
from archdsl.backends.onnx.rules import TABLES, load_rules
from archdsl.backends.torch.examples import example_inputs
from archdsl.ops import OPS, Family


@dataclass(frozen=True)
class Case:
    id: str
    graph: str
    """The graph's items as YAML lines (the op under test is node n)."""
    inputs: str = "{x: [6, 5, 7]}"
    outputs: str | None = None
    opsets: tuple[int | None, ...] = (None,)

    @property
    def ops(self) -> set[str]:
        return {part.split(",")[0].split("}")[0].strip() for part in self.graph.split("op: ")[1:]}


def one(node: str) -> str:
    return f"  - n: {node}"


X2 = "{x: [9]}"
X3 = "{x: [6, 11]}"
SEQ = "{x: [5, 6]}"
TOKENS = "{x: {shape: [7], dtype: int64}}"
XYZ = "{x: [6, 5, 7], y: [6, 1, 7], z: [1, 5, 7]}"
SAME3 = "{x: [6, 5, 7], y: [6, 5, 7], z: [6, 5, 7]}"
STATES = '[{o: "n:output"}, {h: "n:h_n"}]'
TIME_MAJOR = "  - t: {op: permute, dims: [1, 0, 2]}\n"

CASES = [
    Case("conv1d", one("{op: conv1d, out: 4, kernel: 3, stride: 2, padding: 1, dilation: 2, groups: 2}"), X3),
    Case("conv1d-same-even", one("{op: conv1d, out: 4, kernel: 4, padding: same, dilation: 3}"), X3),
    Case("conv1d-bn", one("{op: conv1d, out: 4, kernel: 3}") + "\n  - bn: {op: batchnorm1d}", X3),
    Case("conv2d", one("{op: conv2d, out: 4, kernel: [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2, bias: false}")),
    Case("conv2d-same-even", one("{op: conv2d, out: 3, kernel: [4, 2], padding: same}")),
    Case("conv2d-bn-relu", one("{op: conv2d, out: 4, kernel: 3, padding: 1}") + "\n  - bn: {op: batchnorm2d, eps: 0.01}\n  - r: {op: relu}"),
    Case("conv2d-bn-not-affine", one("{op: conv2d, out: 4, kernel: 1, bias: false}") + "\n  - bn: {op: batchnorm2d, affine: false}"),
    Case("conv2d-read-twice", one("{op: conv2d, out: 4, kernel: 1}") + "\n  - bn: {op: batchnorm2d}\n  - s: {op: add, from: [n, bn]}"),
    Case("conv_transpose2d", one("{op: conv_transpose2d, out: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1, groups: 2}")),
    Case("conv_transpose2d-bn", one("{op: conv_transpose2d, out: 4, kernel: 2, stride: 2, groups: 2, bias: false}")
         + "\n  - bn: {op: batchnorm2d}"),
    Case("linear", one("{op: linear, out: 3}"), X2),
    Case("linear-rank3", one("{op: linear, out: 3}")),
    Case("linear-rank3-no-bias", one("{op: linear, out: 3, bias: false}")),
    Case("linear-bn", one("{op: linear, out: 5}") + "\n  - bn: {op: batchnorm1d}", X2),
    Case("embedding", one("{op: embedding, num: 11, dim: 4, padding_idx: 0}"), TOKENS),
    Case("batchnorm1d", one("{op: batchnorm1d, eps: 0.001}"), X3),
    Case("batchnorm1d-rank2", one("{op: batchnorm1d}"), X2),
    Case("batchnorm2d", one("{op: batchnorm2d, affine: false}")),
    Case("batchnorm2d-batch-stats", one("{op: batchnorm2d, track_running_stats: false}")),
    Case("layernorm", one("{op: layernorm, dims: 2, eps: 0.000001}")),
    Case("layernorm-plain", one("{op: layernorm, elementwise_affine: false}")),
    Case("layernorm-no-bias", one("{op: layernorm, bias: false}")),
    Case("groupnorm", one("{op: groupnorm, groups: 3}"), opsets=(18, 21)),
    Case("groupnorm-plain", one("{op: groupnorm, groups: 2, affine: false}"), X3, opsets=(18, 21)),
    Case("local_response_norm", one("{op: local_response_norm, size: 3, alpha: 0.001, beta: 0.7, k: 2}")),
    Case("local_response_norm-even", one("{op: local_response_norm, size: 4, alpha: 0.01, beta: 0.75, k: 1}")),
    Case("prelu", one("{op: prelu, num_parameters: channels}")),
    Case("prelu-shared", one("{op: prelu}"), X3),
    Case("relu", one("{op: relu, inplace: true}")),
    Case("relu6", one("{op: relu6}")),
    Case("leaky_relu", one("{op: leaky_relu, negative_slope: 0.2}")),
    Case("elu", one("{op: elu, alpha: 0.5}")),
    Case("gelu", one("{op: gelu}"), opsets=(18, 20)),
    Case("gelu-tanh", one("{op: gelu, approximate: tanh}"), opsets=(18, 20)),
    Case("silu", one("{op: silu}")),
    Case("hardswish", one("{op: hardswish}")),
    Case("hardsigmoid", one("{op: hardsigmoid}")),
    Case("sigmoid", one("{op: sigmoid}")),
    Case("tanh", one("{op: tanh}")),
    Case("softmax", one("{op: softmax, dim: 2}")),
    Case("log_softmax", one("{op: log_softmax, dim: -1}")),
    Case("maxpool1d", one("{op: maxpool1d, kernel: 3, stride: 2, padding: 1, ceil_mode: true}"), X3),
    Case("maxpool2d", one("{op: maxpool2d, kernel: [3, 2], stride: 1, padding: [1, 0], dilation: [1, 2]}")),
    Case("maxpool2d-ceil", one("{op: maxpool2d, kernel: 3, stride: 2, ceil_mode: true}"), "{x: [3, 8, 10]}"),
    # PyTorch drops the last ceil_mode window, which would start in the right padding (5 → 3, not 4)
    Case("maxpool2d-ceil-drops", one("{op: maxpool2d, kernel: 2, stride: 2, padding: 1, ceil_mode: true}"), "{x: [3, 5, 5]}"),
    Case("maxpool1d-ceil-drops", one("{op: maxpool1d, kernel: 2, stride: 2, padding: 1, ceil_mode: true}"), "{x: [3, 5]}"),
    Case("avgpool2d-ceil-drops", one("{op: avgpool2d, kernel: 2, stride: 2, padding: 1, ceil_mode: true}"), "{x: [3, 5, 7]}"),
    Case("avgpool1d", one("{op: avgpool1d, kernel: 4}"), X3),
    Case("avgpool2d", one("{op: avgpool2d, kernel: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false}")),
    Case("avgpool2d-count-pad", one("{op: avgpool2d, kernel: 3, stride: 2, padding: 1, ceil_mode: true}"), "{x: [3, 8, 10]}"),
    Case("adaptive_avgpool1d", one("{op: adaptive_avgpool1d, size: 4}"), X3),
    Case("adaptive_avgpool2d-global", one("{op: adaptive_avgpool2d, size: 1}")),
    Case("adaptive_avgpool2d-even", one("{op: adaptive_avgpool2d, size: [3, null]}"), "{x: [3, 9, 7]}"),
    Case("adaptive_avgpool2d-uneven", one("{op: adaptive_avgpool2d, size: [3, 4]}")),
    Case("adaptive_avgpool2d-up", one("{op: adaptive_avgpool2d, size: [7, 9]}")),
    Case("adaptive_maxpool2d", one("{op: adaptive_maxpool2d, size: [2, 3]}")),
    Case("adaptive_maxpool2d-even", one("{op: adaptive_maxpool2d, size: [5, 1]}"), "{x: [3, 10, 7]}"),
    Case("adaptive_maxpool2d-up", one("{op: adaptive_maxpool2d, size: [7, 9]}")),
    Case("dropout", one("{op: dropout, p: 0.3}")),
    Case("dropout2d", one("{op: dropout2d, p: 0.3}")),
    Case("drop_path", one("{op: drop_path, p: 0.2, mode: batch}")),
    Case("add", one("{op: add, from: [x, y, z]}"), XYZ),
    Case("mul", one("{op: mul, from: [x, y]}"), XYZ),
    Case("mean", one("{op: mean, from: [x, y, z]}"), SAME3),
    Case("concat", one("{op: concat, from: [x, y], dim: 2}"), XYZ),
    Case("identity", one("{op: identity}")),
    Case("identity-output", "  - a: {op: relu}\n  - n: {op: identity}", outputs="[a, n]"),
    Case("flatten", one("{op: flatten}")),
    Case("flatten-from-2", one("{op: flatten, start_dim: 2}")),
    Case("reshape", one("{op: reshape, shape: [3, -1, 7]}")),
    Case("permute", one("{op: permute, dims: [0, 2, 3, 1]}")),
    Case("permute-batch", one("{op: permute, dims: [2, 0, 1, 3]}")),
    Case("select", one("{op: select, dim: 2, index: -1}")),
    Case("split", one("{op: split, sizes: [2, 4], dim: 1}"), outputs='[{a: "n:0"}, {b: "n:1"}]'),
    Case("chunk", one("{op: chunk, chunks: 3, dim: -1}"), outputs='[{a: "n:0"}, {b: "n:1"}, {c: "n:2"}]'),
    Case("index_select", one("{op: index_select, index: [3, 1, 1], dim: 1}")),
    Case("crop", one("{op: crop, size: [3, 2], offset: [1, 2]}")),
    Case("crop-center", one("{op: crop, size: 3}")),
    Case("crop-nothing", one("{op: crop, size: [5, 7]}")),
    Case("channel_shuffle", one("{op: channel_shuffle, groups: 3}")),
    Case("upsample", one("{op: upsample, scale: 2}")),
    Case("upsample-fractional", one("{op: upsample, scale: [1.5, 2.5]}")),
    Case("upsample-size", one("{op: upsample, size: [11, 9]}")),
    Case("upsample-bilinear", one("{op: upsample, size: [9, 11], mode: bilinear, align_corners: true}")),
    Case("upsample-bilinear-half-pixel", one("{op: upsample, scale: [2, 1.5], mode: bilinear}")),
    Case("upsample-bilinear-to-one", one("{op: upsample, size: [1, 3], mode: bilinear}")),
    Case("upsample-nearest-1d", one("{op: upsample, scale: 3}"), X3),
    Case("pad", one("{op: pad, pads: [1, 2, 0, 1], mode: reflect}")),
    Case("pad-constant", one("{op: pad, pads: [2, -1], value: 3}")),
    Case("pad-replicate", one("{op: pad, pads: [2, 1, 1, 3], mode: replicate}")),
    Case("pad-circular", one("{op: pad, pads: [2, 1, 1, 3], mode: circular}"), opsets=(None, 19, 21)),
    Case("rnn", one("{op: rnn, hidden: 4, num_layers: 2, bidirectional: true, nonlinearity: relu}"), SEQ, STATES),
    Case("rnn-tanh-time-major", TIME_MAJOR + one("{op: rnn, hidden: 3, batch_first: false}"), SEQ, STATES),
    Case("gru", one("{op: gru, hidden: 4, bias: false}"), SEQ, STATES),
    Case("gru-bidirectional", one("{op: gru, hidden: 4, num_layers: 2, bidirectional: true}"), SEQ, STATES),
    Case("lstm", one("{op: lstm, hidden: 4, num_layers: 2}"), SEQ, '[{o: "n:output"}, {h: "n:h_n"}, {c: "n:c_n"}]'),
    Case("lstm-bidirectional-time-major",
         TIME_MAJOR + one("{op: lstm, hidden: 5, num_layers: 3, bidirectional: true, batch_first: false}"),
         SEQ, '[{o: "n:output"}, {h: "n:h_n"}, {c: "n:c_n"}]'),
]


def spec(case: Case) -> str:
    lines = ["archdsl: 1", "name: t", f"inputs: {case.inputs}", "graph:", case.graph]
    if case.outputs is not None:
        lines.append(f"outputs: {case.outputs}")
    return "\n".join(lines) + "\n"


def test_every_registered_op_has_an_emitter_and_a_case() -> None:
    assert set(load_rules()) == set(OPS)
    covered = set().union(*(case.ops for case in CASES))
    assert covered == set(OPS) - {"input"}


def test_each_family_table_holds_exactly_that_familys_ops() -> None:
    """One table per op family: adding an op is one entry in the table of its family."""
    for family, table in TABLES.items():
        assert set(table) == {name for name, op in OPS.items() if op.family == family}, family
    assert set(TABLES) == set(Family)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_emission_matches_the_torch_backend(case: Case, load_text: Any, helpers: Any) -> None:
    model = load_text(spec(case))
    module = model.to_torch(seed=0)
    weights = helpers.lively_weights(module)
    feeds = {batch: example_inputs(model.graph, batch=batch, seed=batch) for batch in (1, 3)}
    refs = {batch: helpers.torch_outputs(module, model.graph, feeds[batch]) for batch in feeds}
    for opset in case.opsets:
        for optimize in (True, False):
            proto = model.to_onnx(weights=weights, optimize=optimize, opset=opset)
            check(proto)
            assert proto.opset_import[0].version == (opset or 18 if "circular" not in case.graph else opset or 19)
            assert shape_mismatches(proto, model.graph if not optimize else _rewritten(model)) == []
            sess = helpers.session(proto)
            for batch, ref in refs.items():
                outputs = helpers.run(sess, feeds[batch])
                for name, value in ref.items():
                    helpers.assert_close(outputs[name], value, f"opset={opset} optimize={optimize} batch={batch} {name}")


def _rewritten(model: Any) -> Any:
    from archdsl.passes import optimize

    return optimize(model.graph).graph
