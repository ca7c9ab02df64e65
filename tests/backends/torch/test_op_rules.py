"""Every op's torch lowering against PyTorch's own functional (or module) form.

Each case is a one-node spec; the built module's parameters and buffers are
randomised, then its eval-mode output is compared with the reference computed
directly with torch.nn.functional (or torch's module for recurrent layers) on
the same weights. The table must name every registered op, so a new op fails
here until its lowering is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from archdsl.backends.torch.examples import example_inputs
from archdsl.backends.torch.rules import TABLES, load_rules
from archdsl.backends.torch.table import RULES
from archdsl.errors import BackendError
from archdsl.ops import OPS, Family

Inputs = dict[str, torch.Tensor]
Param = Callable[[str], torch.Tensor]


@dataclass(frozen=True)
class Case:
    id: str
    node: str
    """The node's YAML definition (named n)."""
    ref: Callable[[Inputs, Param], Any]
    inputs: str = "{x: [6, 5, 5]}"
    outputs: str | None = None

    @property
    def op(self) -> str:
        return self.node.split("op: ")[1].split(",")[0].split("}")[0].strip()


X3 = "{x: [4, 9]}"
SEQ = "{x: [5, 6]}"
XY = "{x: [6, 5, 5], y: [6, 1, 5], z: [1, 5, 5]}"
SAME3 = "{x: [6, 5, 5], y: [6, 5, 5], z: [6, 5, 5]}"


def recurrent(cls: type[torch.nn.Module], **kwargs: Any) -> Callable[[Inputs, Param], Any]:
    """Reference: torch's own module with the built node's weights."""

    def ref(x: Inputs, p: Param) -> Any:
        module = cls(6, 4, batch_first=True, **kwargs)
        module.load_state_dict({name: p(name) for name, _ in module.named_parameters()})
        output, state = module.eval()(x["x"])
        return [output, *(state if isinstance(state, tuple) else (state,))]

    return ref


CASES = [
    Case("identity", "{op: identity}", lambda x, p: x["x"]),
    Case("conv1d", "{op: conv1d, out: 6, kernel: 3, stride: 2, padding: 1, dilation: 2, groups: 2}",
         lambda x, p: F.conv1d(x["x"], p("weight"), p("bias"), 2, 1, 2, 2), inputs=X3),
    Case("conv2d", "{op: conv2d, out: 4, kernel: [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2, bias: false}",
         lambda x, p: F.conv2d(x["x"], p("weight"), None, (2, 1), (1, 0), (1, 2), 2)),
    Case("conv2d-same", "{op: conv2d, out: 3, kernel: 3, dilation: 2, padding: same}",
         lambda x, p: F.conv2d(x["x"], p("weight"), p("bias"), padding="same", dilation=2)),
    Case("conv_transpose2d", "{op: conv_transpose2d, out: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1, groups: 2}",
         lambda x, p: F.conv_transpose2d(x["x"], p("weight"), p("bias"), 2, 1, 1, 2)),
    Case("linear", "{op: linear, out: 3}", lambda x, p: F.linear(x["x"], p("weight"), p("bias"))),
    Case("embedding", "{op: embedding, num: 11, dim: 4, padding_idx: 0}",
         lambda x, p: F.embedding(x["x"], p("weight"), padding_idx=0), inputs="{x: {shape: [7], dtype: int64}}"),
    Case("batchnorm1d", "{op: batchnorm1d, eps: 0.001}",
         lambda x, p: F.batch_norm(x["x"], p("running_mean"), p("running_var"), p("weight"), p("bias"), eps=0.001), inputs=X3),
    Case("batchnorm2d", "{op: batchnorm2d, affine: false}",
         lambda x, p: F.batch_norm(x["x"], p("running_mean"), p("running_var"))),
    Case("layernorm", "{op: layernorm, dims: 2, eps: 0.000001}",
         lambda x, p: F.layer_norm(x["x"], (5, 5), p("weight"), p("bias"), 1e-6)),
    Case("groupnorm", "{op: groupnorm, groups: 3}", lambda x, p: F.group_norm(x["x"], 3, p("weight"), p("bias"))),
    Case("local_response_norm", "{op: local_response_norm, size: 3, alpha: 0.001, beta: 0.7, k: 2}",
         lambda x, p: F.local_response_norm(x["x"], 3, 0.001, 0.7, 2.0)),
    Case("prelu", "{op: prelu, num_parameters: channels}", lambda x, p: F.prelu(x["x"], p("weight"))),
    Case("relu", "{op: relu, inplace: true}", lambda x, p: F.relu(x["x"])),
    Case("relu6", "{op: relu6}", lambda x, p: F.relu6(x["x"])),
    Case("leaky_relu", "{op: leaky_relu, negative_slope: 0.2}", lambda x, p: F.leaky_relu(x["x"], 0.2)),
    Case("elu", "{op: elu, alpha: 0.5}", lambda x, p: F.elu(x["x"], 0.5)),
    Case("gelu", "{op: gelu, approximate: tanh}", lambda x, p: F.gelu(x["x"], approximate="tanh")),
    Case("silu", "{op: silu}", lambda x, p: F.silu(x["x"])),
    Case("hardswish", "{op: hardswish}", lambda x, p: F.hardswish(x["x"])),
    Case("hardsigmoid", "{op: hardsigmoid}", lambda x, p: F.hardsigmoid(x["x"])),
    Case("sigmoid", "{op: sigmoid}", lambda x, p: torch.sigmoid(x["x"])),
    Case("tanh", "{op: tanh}", lambda x, p: torch.tanh(x["x"])),
    Case("softmax", "{op: softmax, dim: 2}", lambda x, p: F.softmax(x["x"], 2)),
    Case("log_softmax", "{op: log_softmax, dim: -1}", lambda x, p: F.log_softmax(x["x"], -1)),
    Case("maxpool1d", "{op: maxpool1d, kernel: 3, stride: 2, padding: 1, ceil_mode: true}",
         lambda x, p: F.max_pool1d(x["x"], 3, 2, 1, ceil_mode=True), inputs=X3),
    Case("maxpool2d", "{op: maxpool2d, kernel: [3, 2], stride: 1, padding: [1, 0], dilation: [1, 2]}",
         lambda x, p: F.max_pool2d(x["x"], (3, 2), 1, (1, 0), (1, 2))),
    Case("avgpool1d", "{op: avgpool1d, kernel: 4}", lambda x, p: F.avg_pool1d(x["x"], 4), inputs=X3),
    Case("avgpool2d", "{op: avgpool2d, kernel: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false}",
         lambda x, p: F.avg_pool2d(x["x"], 3, 2, 1, ceil_mode=True, count_include_pad=False)),
    Case("adaptive_avgpool1d", "{op: adaptive_avgpool1d, size: 4}", lambda x, p: F.adaptive_avg_pool1d(x["x"], 4), inputs=X3),
    Case("adaptive_avgpool2d", "{op: adaptive_avgpool2d, size: [3, null]}",
         lambda x, p: F.adaptive_avg_pool2d(x["x"], (3, None))),
    Case("adaptive_maxpool2d", "{op: adaptive_maxpool2d, size: [2, 3]}", lambda x, p: F.adaptive_max_pool2d(x["x"], (2, 3))),
    Case("dropout", "{op: dropout, p: 0.3}", lambda x, p: x["x"]),
    Case("dropout2d", "{op: dropout2d, p: 0.3}", lambda x, p: x["x"]),
    Case("drop_path", "{op: drop_path, p: 0.2, mode: batch}", lambda x, p: x["x"]),
    Case("add", "{op: add, from: [x, y, z]}", lambda x, p: x["x"] + x["y"] + x["z"], inputs=XY),
    Case("mul", "{op: mul, from: [x, y]}", lambda x, p: x["x"] * x["y"], inputs=XY),
    Case("mean", "{op: mean, from: [x, y, z]}", lambda x, p: (x["x"] + x["y"] + x["z"]) / 3, inputs=SAME3),
    Case("concat", "{op: concat, from: [x, y], dim: 2}", lambda x, p: torch.cat([x["x"], x["y"]], 2), inputs=XY),
    Case("flatten", "{op: flatten, start_dim: 2}", lambda x, p: x["x"].flatten(2)),
    Case("reshape", "{op: reshape, shape: [3, -1, 5]}", lambda x, p: x["x"].reshape(len(x["x"]), 3, -1, 5)),
    Case("permute", "{op: permute, dims: [0, 2, 3, 1]}", lambda x, p: x["x"].permute(0, 2, 3, 1)),
    Case("select", "{op: select, dim: 2, index: -1}", lambda x, p: x["x"][:, :, -1]),
    Case("split", "{op: split, sizes: [2, 4], dim: 1}", lambda x, p: [x["x"][:, :2], x["x"][:, 2:]],
         outputs='[{a: "n:0"}, {b: "n:1"}]'),
    Case("chunk", "{op: chunk, chunks: 3, dim: -1}", lambda x, p: [x["x"][..., :2], x["x"][..., 2:4], x["x"][..., 4:]],
         outputs='[{a: "n:0"}, {b: "n:1"}, {c: "n:2"}]'),
    Case("index_select", "{op: index_select, index: [3, 1, 1], dim: 1}", lambda x, p: x["x"][:, [3, 1, 1]]),
    Case("crop", "{op: crop, size: [3, 2], offset: [1, 2]}", lambda x, p: x["x"][:, :, 1:4, 2:4]),
    Case("crop-center", "{op: crop, size: 3}", lambda x, p: x["x"][:, :, 1:4, 1:4]),
    Case("channel_shuffle", "{op: channel_shuffle, groups: 3}",
         lambda x, p: x["x"].reshape(-1, 3, 2, 5, 5).transpose(1, 2).reshape(-1, 6, 5, 5)),
    Case("upsample", "{op: upsample, scale: 2}", lambda x, p: x["x"].repeat_interleave(2, 2).repeat_interleave(2, 3)),
    Case("upsample-bilinear", "{op: upsample, size: [9, 11], mode: bilinear, align_corners: true}",
         lambda x, p: F.interpolate(x["x"], (9, 11), mode="bilinear", align_corners=True)),
    Case("pad", "{op: pad, pads: [1, 2, 0, 1], mode: reflect}", lambda x, p: F.pad(x["x"], [1, 2, 0, 1], mode="reflect")),
    Case("pad-constant", "{op: pad, pads: [2, -1], value: 3}", lambda x, p: F.pad(x["x"], [2, -1], value=3.0)),
    Case("rnn", "{op: rnn, hidden: 4, num_layers: 2, bidirectional: true, nonlinearity: relu}",
         recurrent(torch.nn.RNN, num_layers=2, bidirectional=True, nonlinearity="relu"), inputs=SEQ,
         outputs='[{o: "n:output"}, {h: "n:h_n"}]'),
    Case("gru", "{op: gru, hidden: 4, bias: false}", recurrent(torch.nn.GRU, bias=False), inputs=SEQ,
         outputs='[{o: "n:output"}, {h: "n:h_n"}]'),
    Case("lstm", "{op: lstm, hidden: 4, num_layers: 2}", recurrent(torch.nn.LSTM, num_layers=2), inputs=SEQ,
         outputs='[{o: "n:output"}, {h: "n:h_n"}, {c: "n:c_n"}]'),
]


def test_every_registered_op_has_a_rule_and_a_case() -> None:
    assert set(load_rules()) == set(OPS)
    assert {case.op for case in CASES} == set(OPS) - {"input"}


def test_each_family_table_holds_exactly_that_familys_ops() -> None:
    """One table per op family: adding an op is one entry in the table of its family."""
    for family, table in TABLES.items():
        assert set(table) == {name for name, op in OPS.items() if op.family == family}, family
    assert set(TABLES) == set(Family)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_lowering_matches_torch(case: Case, load_text: Any, spec_text: Any, tensors: Any) -> None:
    model = load_text(spec_text(f"  - n: {case.node}", inputs=case.inputs, outputs=case.outputs))
    module = model.to_torch(seed=0).eval()
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for value in module.state_dict().values():
            if value.is_floating_point():  # random weights and statistics: defaults (0, 1) hide mistakes
                value.copy_(torch.rand(value.shape, generator=generator) + 0.5)
        inputs = example_inputs(model.graph, batch=2, seed=1)
        ours = tensors(module(*inputs.values()))
        theirs = tensors(case.ref(inputs, lambda name: module.state_dict()[f"n.{name}"]))
    assert [t.shape for t in ours] == [t.shape for t in theirs]
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_op_without_rule_is_a_located_error(monkeypatch: pytest.MonkeyPatch, load_text: Any, spec_text: Any) -> None:
    model = load_text(spec_text("  - a: {op: relu}\n  - b: {op: sigmoid}"))
    monkeypatch.delitem(RULES, "sigmoid")
    with pytest.raises(BackendError) as caught:
        model.to_torch()
    text = caught.value.format()
    assert "op 'sigmoid'" in text and "[b]" in text and ":6:" in text
