"""Every registered op is complete: family, docstring, strict attributes, formulas."""

from __future__ import annotations

import json
import subprocess
import sys

import pydantic
import pytest

from archdsl.ops import OPS, Family, Op, OpAttrs

FAMILIES = set(Family)
ALL_OPS = sorted(OPS)


def test_the_op_set_is_complete() -> None:
    expected = {
        "input", "conv1d", "conv2d", "conv_transpose2d", "linear", "embedding",
        "batchnorm1d", "batchnorm2d", "layernorm", "groupnorm", "local_response_norm",
        "relu", "relu6", "leaky_relu", "prelu", "elu", "gelu", "silu", "hardswish", "hardsigmoid",
        "sigmoid", "tanh", "softmax", "log_softmax",
        "maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d",
        "adaptive_avgpool1d", "adaptive_avgpool2d", "adaptive_maxpool2d",
        "dropout", "dropout2d", "drop_path",
        "flatten", "reshape", "permute", "select", "split", "chunk", "channel_shuffle",
        "index_select", "upsample", "pad", "crop", "identity", "add", "mul", "mean", "concat", "rnn", "lstm", "gru",
    }  # fmt: skip
    assert set(OPS) == expected


@pytest.mark.parametrize("name", ALL_OPS)
def test_op_is_documented(name: str) -> None:
    op = OPS[name]
    assert isinstance(op, Op) and op.name == name
    assert op.family in FAMILIES
    assert op.doc and "\n" not in op.doc, "a one-line class docstring"
    assert op.mac_formula and op.flop_formula
    low, high = op.arity
    assert low >= 0 and (high is None or high >= low)


@pytest.mark.parametrize("name", ALL_OPS)
def test_attrs_forbid_unknown_keys(name: str) -> None:
    attrs = OPS[name].Attrs
    assert issubclass(attrs, OpAttrs)
    assert attrs.model_config.get("extra") == "forbid"
    assert attrs.model_config.get("frozen") is True
    with pytest.raises(pydantic.ValidationError, match="extra"):
        attrs.model_validate({"no_such_attribute": 1})


@pytest.mark.parametrize(
    "name, attrs",
    [
        ("linear", {"out": True}),
        ("linear", {"out": "4"}),
        ("linear", {"out": 4.0}),
        ("relu", {"inplace": 1}),
        ("prelu", {"num_parameters": True}),
        ("dropout", {"p": True}),
        ("dropout", {"p": 1.0}),
        ("batchnorm2d", {"eps": float("nan")}),
        ("maxpool2d", {"kernel": 0}),
        ("upsample", {"scale": 2, "size": 4}),
        ("upsample", {"scale": 2, "align_corners": True}),
        ("pad", {"pads": [1, 2, 3]}),
        ("pad", {"pads": [-1, 0], "mode": "reflect"}),
        ("reshape", {"shape": [-1, -1]}),
        ("embedding", {"num": 3, "dim": 2, "padding_idx": 3}),
    ],
)
def test_attrs_are_strict(name: str, attrs: dict[str, object]) -> None:
    with pytest.raises(pydantic.ValidationError):
        OPS[name].Attrs.model_validate(attrs)


def test_floats_accept_yaml_exponents() -> None:
    assert OPS["batchnorm2d"].Attrs.model_validate({"eps": "1e-3"}).eps == 1e-3


def test_output_names_of_multi_output_ops() -> None:
    validate = lambda name, attrs: OPS[name].Attrs.model_validate(attrs)  # noqa: E731
    assert OPS["lstm"].output_names(validate("lstm", {"hidden": 2})) == ("output", "h_n", "c_n")
    assert OPS["gru"].output_names(validate("gru", {"hidden": 2})) == ("output", "h_n")
    assert OPS["split"].output_names(validate("split", {"sizes": [1, 2, 3]})) == ("0", "1", "2")
    assert OPS["chunk"].output_names(validate("chunk", {"chunks": 2})) == ("0", "1")


BACKEND_MODULES = ("torch", "torchvision", "onnx", "onnxruntime", "graphviz")

CORE_COMMANDS = [["analyze", "resnet50", "--format", "json"], ["validate", "googlenet"], ["list"],
                 ["lint", "resnet18"], ["diff", "resnet18", "resnet34"]]
"""CLI commands that need no backend: analysis, validation, the library list, lint and diff."""

CORE_RUN = """
import contextlib, io, json, sys
import archdsl.ops
from archdsl.cli import main

codes = []
for argv in json.loads(sys.argv[1]):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        codes.append((main(argv), bool(out.getvalue().strip())))
print(json.dumps({"codes": codes, "imported": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def test_core_imports_no_backend() -> None:
    """The ops and the backend-free commands import no backend library, in a fresh interpreter
    (this process has imported them all for other tests)."""
    args = [sys.executable, "-c", CORE_RUN, json.dumps(CORE_COMMANDS)]
    found = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    assert found["codes"] == [[0, True]] * len(CORE_COMMANDS), "each command succeeds and prints something"
    assert "archdsl" in found["imported"]
    assert sorted(set(found["imported"]) & set(BACKEND_MODULES)) == []
