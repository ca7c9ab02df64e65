"""Serialized export (`export_bytes`): the tensor data is written beside protobuf's encoding of
the rest, and the result is the model `export` returns — the same bytes, the same parse, the
same checker verdict, the same outputs in onnxruntime."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest

import archdsl
from archdsl.backends.onnx import export_file, serialize
from archdsl.backends.onnx.checks import check, check_structure
from archdsl.backends.onnx.export import ExportOptions, export, export_bytes, exported
from archdsl.backends.onnx.initial_weights import initial_weights
from archdsl.backends.onnx.serialize import header, split
from archdsl.errors import BackendError

HALF = """
archdsl: 1
name: half
inputs: {x: {shape: [3, 8, 8], dtype: float16}}
graph:
  - conv: {op: conv2d, out: 4, kernel: 3}
  - bn: {op: batchnorm2d}
  - pool: {op: adaptive_avgpool2d, size: 1}
"""
"""float16 weights (cast from the float32 ones), a BatchNorm to fold."""

OPTIONS = [
    pytest.param({}, id="folded"),
    pytest.param({"optimize": False}, id="no-rewrites"),
    pytest.param({"functions": True}, id="functions"),
    pytest.param({"functions": True, "optimize": False}, id="functions-no-rewrites"),
]


@pytest.fixture(scope="module")
def resnet18() -> tuple[archdsl.Model, dict[str, np.ndarray]]:
    model = archdsl.load("resnet18", input_shapes={"x": (3, 64, 64)})
    return model, initial_weights(model.graph, model.init, seed=0)


def both(model: archdsl.Model, **options: Any) -> tuple[bytes, onnx.ModelProto]:
    """The fast bytes and the ModelProto of the same export."""
    return export_bytes(model.lowering, ExportOptions(**options)), export(model.lowering, ExportOptions(**options))


def assert_same_model(fast: bytes, proto: onnx.ModelProto) -> None:
    parsed = onnx.load_from_string(fast)
    assert parsed == proto
    assert parsed.SerializeToString() == proto.SerializeToString()
    assert fast == proto.SerializeToString()  # protobuf writes fields in number order, and so do we


@pytest.mark.parametrize("options", OPTIONS)
def test_resnet18_bytes_are_the_protos(resnet18: tuple[archdsl.Model, dict[str, np.ndarray]],
                                       options: dict[str, Any]) -> None:
    model, weights = resnet18
    assert_same_model(*both(model, weights=weights, **options))


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("text", ["tiny", HALF], ids=["tiny", "float16"])
def test_small_specs_pass_the_checker_and_run_alike(text: str, options: dict[str, Any], tiny: str,
                                                   load_text: Callable[..., archdsl.Model], helpers: Any) -> None:
    model = load_text(tiny if text == "tiny" else text)
    fast, proto = both(model, seed=1, **options)
    assert_same_model(fast, proto)
    onnx.checker.check_model(fast, full_check=True)
    (name, t), = model.graph.inputs.items()
    x = np.random.default_rng(0).standard_normal((2, *(int(d) for d in t.shape[1:]))).astype(t.dtype)
    ours, theirs = helpers.run(helpers.session(fast), {name: x}), helpers.run(helpers.session(proto), {name: x})
    assert ours.keys() == theirs.keys()
    for key in ours:
        np.testing.assert_array_equal(ours[key], theirs[key])


def test_weights_in_any_layout_give_the_same_bytes(tiny: str, load_text: Callable[..., archdsl.Model]) -> None:
    """Big-endian, Fortran-ordered and float64 weights are stored as little-endian C-ordered float32."""
    model = load_text(tiny)
    weights = initial_weights(model.graph, model.init, seed=2)
    odd = {k: np.asarray(v.astype(v.dtype.newbyteorder(">") if v.dtype.kind == "f" else v.dtype), order="F")
           for k, v in weights.items()}
    odd["fc.weight"] = weights["fc.weight"].astype(np.float64)
    fast = export_bytes(model.lowering, ExportOptions(weights=odd, optimize=False))
    assert fast == export(model.lowering, ExportOptions(weights=weights, optimize=False)).SerializeToString()


def test_the_bytes_are_the_same_every_time(resnet18: tuple[archdsl.Model, dict[str, np.ndarray]]) -> None:
    model, weights = resnet18
    first = export_bytes(model.lowering, ExportOptions(weights=weights))
    assert export_bytes(model.lowering, ExportOptions(weights=dict(weights))) == first
    assert export_bytes(model.lowering, ExportOptions(seed=3)) != first


def test_the_weights_given_are_left_untouched(tiny: str, load_text: Callable[..., archdsl.Model]) -> None:
    model = load_text(tiny)
    weights = initial_weights(model.graph, model.init, seed=4)
    kept = {k: v.copy() for k, v in weights.items()}
    export_bytes(model.lowering, ExportOptions(weights=weights))
    assert weights.keys() == kept.keys() and all(np.array_equal(weights[k], kept[k]) for k in kept)


def test_the_emitted_model_keeps_its_data_apart(tiny: str, load_text: Callable[..., archdsl.Model]) -> None:
    result = exported(load_text(tiny).lowering, ExportOptions(seed=0))
    assert [t.HasField("raw_data") for t in result.model.graph.initializer] == [False] * len(result.payloads)
    assert all(t.HasField("raw_data") for t in result.proto().graph.initializer)
    assert not any(t.HasField("raw_data") for t in result.model.graph.initializer)  # proto() made a copy


def test_a_model_beyond_protobufs_limit_is_an_error(tiny: str, load_text: Callable[..., archdsl.Model],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    result = exported(load_text(tiny).lowering, ExportOptions(seed=0))
    monkeypatch.setattr(serialize, "MAX_BYTES", len(result.to_bytes()) - 1)
    with pytest.raises(BackendError, match="protobuf cannot encode more than 2 GiB"):
        result.to_bytes()


@pytest.mark.parametrize("length", [0, 1, 127, 128, 300, 16383, 16384, 2**21 + 5])
def test_a_field_header_is_protobufs(length: int) -> None:
    data = b"\x07" * length
    assert onnx.TensorProto(raw_data=data).SerializeToString() == header(9, length) + data


def test_split_leaves_the_field_out_and_keeps_the_order() -> None:
    tensor = onnx.TensorProto(name="w", dims=[2, 3], data_type=1, raw_data=b"\x00" * 24, doc_string="d")
    before, after = split(tensor, 9)
    assert before == onnx.TensorProto(name="w", dims=[2, 3], data_type=1).SerializeToString()
    assert after == onnx.TensorProto(doc_string="d").SerializeToString()
    assert before + header(9, 24) + tensor.raw_data + after == tensor.SerializeToString()
    assert split(onnx.TensorProto(name="w"), 9) == (onnx.TensorProto(name="w").SerializeToString(), b"")


@pytest.mark.parametrize("options", OPTIONS)
def test_the_streamed_file_holds_the_bytes(resnet18: tuple[archdsl.Model, dict[str, np.ndarray]],
                                           options: dict[str, Any], tmp_path: Path) -> None:
    model, weights = resnet18
    path = tmp_path / "m.onnx"
    size = export_file(model, path, weights=weights, **options)
    assert path.read_bytes() == export_bytes(model.lowering, ExportOptions(weights=weights, **options))
    assert size == path.stat().st_size


def test_a_file_the_checker_rejects_is_not_written(tmp_path: Path, load_text: Callable[..., archdsl.Model]) -> None:
    # bfloat16 Conv has no ONNX kernel: the checker rejects the model's structure, located at the
    # node, before anything is written; the old file stays byte for byte and no temporary is left
    model = load_text(HALF.replace("float16", "bfloat16"))
    path = tmp_path / "out" / "m.onnx"
    path.parent.mkdir()
    path.write_bytes(b"old")
    with pytest.raises(BackendError, match="ONNX rejects 'conv' \\(conv2d\\)"):
        export_file(model, path)
    assert path.read_bytes() == b"old" and list(path.parent.iterdir()) == [path]
    assert export_file(model, path, checked=False) == path.stat().st_size  # unchecked: written as emitted


@pytest.mark.parametrize("spec", ["resnet18", "googlenet", "lstm_classifier", "half", "bfloat16"])
@pytest.mark.parametrize("functions", [False, True], ids=["graph", "functions"])
def test_the_structure_check_gives_the_full_checks_verdict(spec: str, functions: bool,
                                                           load_text: Callable[..., archdsl.Model]) -> None:
    # the checker on the data-free header (initializers as typed inputs) and on the full bytes
    # agree: both pass, or both reject with the same located message
    texts = {"half": HALF, "bfloat16": HALF.replace("float16", "bfloat16")}
    model = load_text(texts[spec]) if spec in texts else archdsl.load(spec)
    result = exported(model.lowering, ExportOptions(seed=0, functions=functions))
    verdicts = []
    for run in (lambda: check(result.to_bytes(), model.graph), lambda: check_structure(result.model, model.graph)):
        try:
            run()
            verdicts.append(None)
        except BackendError as exc:
            verdicts.append(exc.format())
    assert verdicts[0] == verdicts[1]
    assert (verdicts[0] is not None) == (spec == "bfloat16")
