"""The per-op label table: complete over the op registry, and saying what each op does."""

from __future__ import annotations

from typing import Any

import pytest

from archdsl.backends.graphviz import labels, style, to_dot
from archdsl.backends.graphviz.labels import FAMILY_RULES, RULES, rule_for
from archdsl.errors import BackendError
from archdsl.ops import OPS

# (op, attributes, what the diagram should say), written by hand from the op semantics
SAMPLES: list[tuple[str, dict[str, Any], str]] = [
    ("conv2d", {"out": 64, "kernel": 7, "stride": 2, "padding": 3, "bias": False}, "7×7 s2 p3 → 64"),
    ("conv2d", {"out": 32, "kernel": [3, 1], "padding": [1, 0], "dilation": 2, "groups": 4}, "3×1 p1×0 d2 g4 → 32"),
    ("conv2d", {"out": 8, "kernel": 3, "padding": "same"}, "3×3 p same → 8"),
    ("conv1d", {"out": 16, "kernel": 5}, "5 → 16"),
    ("conv_transpose2d", {"out": 8, "kernel": 2, "stride": 2, "output_padding": 1}, "2×2 s2 op1 → 8"),
    ("maxpool2d", {"kernel": 3, "stride": 2, "padding": 1}, "3×3 s2 p1"),
    ("maxpool2d", {"kernel": 2}, "2×2 s2"),
    ("maxpool1d", {"kernel": 3, "stride": 1, "ceil_mode": True}, "3 ceil"),
    ("avgpool2d", {"kernel": 2, "stride": 2}, "2×2 s2"),
    ("avgpool1d", {"kernel": 4}, "4 s4"),
    ("adaptive_avgpool2d", {"size": 1}, "→ 1×1"),
    ("adaptive_maxpool2d", {"size": [7, None]}, "→ 7×·"),
    ("adaptive_avgpool1d", {"size": 1}, "→ 1"),
    ("linear", {"out": 1000}, "→ 1000"),
    ("linear", {"out": 10, "bias": False}, "→ 10 no bias"),
    ("embedding", {"num": 1000, "dim": 64}, "1000 × 64"),
    ("lstm", {"hidden": 256, "num_layers": 2, "bidirectional": True}, "hidden 256 2 layers bidir"),
    ("gru", {"hidden": 128}, "hidden 128"),
    ("rnn", {"hidden": 64, "nonlinearity": "relu"}, "hidden 64 relu"),
    ("groupnorm", {"groups": 32}, "32 groups"),
    ("channel_shuffle", {"groups": 4}, "4 groups"),
    ("upsample", {"scale": 2}, "×2 nearest"),
    ("upsample", {"size": [32, 32], "mode": "bilinear"}, "→ 32×32 bilinear"),
    ("relu", {"inplace": True}, ""),
    ("relu6", {}, ""),
    ("silu", {}, ""),
    ("hardswish", {}, ""),
    ("hardsigmoid", {}, ""),
    ("sigmoid", {}, ""),
    ("tanh", {}, ""),
    ("leaky_relu", {"negative_slope": 0.2}, "negative_slope 0.2"),
    ("elu", {"alpha": 0.5}, "alpha 0.5"),
    ("gelu", {"approximate": "tanh"}, "approximate tanh"),
    ("prelu", {"num_parameters": "channels"}, "num_parameters channels"),
    ("softmax", {"dim": -1}, "dim -1"),
    ("log_softmax", {}, ""),
    ("concat", {}, ""),
    ("concat", {"dim": 2}, "dim 2"),
    ("add", {}, ""),
    ("mul", {}, ""),
    ("mean", {}, ""),
    ("identity", {}, ""),
    ("batchnorm2d", {"eps": 0.001}, "eps 0.001"),
    ("batchnorm1d", {}, ""),
    ("layernorm", {"dims": 2}, "dims 2"),
    ("local_response_norm", {"size": 5}, "size 5"),
    ("dropout", {}, "p 0.5"),
    ("dropout2d", {"p": 0.2}, "p 0.2"),
    ("drop_path", {"p": 0.1, "mode": "batch"}, "p 0.1 mode batch"),
    ("flatten", {}, ""),
    ("reshape", {"shape": [-1, 64]}, "shape [-1,64]"),
    ("permute", {"dims": [0, 2, 1]}, "dims [0,2,1]"),
    ("select", {"dim": 1, "index": 0}, "dim 1, index 0"),
    ("split", {"sizes": [2, 2]}, "sizes [2,2]"),
    ("chunk", {"chunks": 2}, "chunks 2"),
    ("pad", {"pads": [1, 1, 1, 1]}, "pads [1,1,1,1]"),
    ("input", {"shape": [3, 32, 32]}, ""),
]


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_registered_op_has_a_label_rule_and_a_colour(name: str) -> None:
    assert rule_for(name) is not None
    assert OPS[name].family in style.FAMILY_COLOURS and OPS[name].family in FAMILY_RULES


def test_the_table_names_only_registered_ops_and_every_entry_is_sampled() -> None:
    assert set(RULES) <= set(OPS)
    assert set(RULES) <= {op for op, _, _ in SAMPLES}


@pytest.mark.parametrize(("op", "attrs", "expected"), SAMPLES, ids=[f"{op}-{i}" for i, (op, _, _) in enumerate(SAMPLES)])
def test_label_says_what_the_op_does(op: str, attrs: dict[str, Any], expected: str) -> None:
    assert rule_for(op)(OPS[op].Attrs.model_validate(attrs)) == expected


def test_family_rule_lists_changed_attributes() -> None:
    attrs = OPS["conv2d"].Attrs.model_validate({"out": 8, "kernel": 3, "groups": 2})
    assert FAMILY_RULES["conv"](attrs) == "out 8, kernel 3, groups 2"


def test_an_op_without_a_rule_is_a_located_error(tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(labels.RULES, "conv2d")
    monkeypatch.delitem(labels.FAMILY_RULES, "conv")
    with pytest.raises(BackendError, match="cannot draw op 'conv2d'") as caught:
        to_dot(tiny)
    assert caught.value.node == "stem" and caught.value.span.line > 0
