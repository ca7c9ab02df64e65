"""Where exported weights come from: a checkpoint (.pt or .npz; every missing, extra or
mis-shaped tensor named), or initial weights drawn in numpy, bit for bit the torch
backend's, with or without torch installed (test_initial_weights.py checks the bits)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from onnx import numpy_helper

import archdsl
from archdsl.backends.onnx.initial_weights import DRAW, TORCH_ONLY
from archdsl.backends.onnx.weights import declared
from archdsl.errors import ArchdslError, BackendError
from archdsl.ops import OPS, Op, Weight


def initializers(proto: Any) -> dict[str, np.ndarray]:
    return {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}


def test_seeded_weights_are_the_torch_backends_bit_for_bit() -> None:
    model = archdsl.load("resnet18")
    state = model.to_torch(seed=7).state_dict()
    found = initializers(model.to_onnx(seed=7, optimize=False))
    used = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    assert list(found) == list(used)  # the spec's names, in the state_dict's order
    for name, value in used.items():
        assert np.array_equal(found[name], value.numpy()), name


def test_a_checkpoint_file_gives_the_same_model_as_the_tensors(tmp_path: Path, load_text: Any, tiny: str) -> None:
    model = load_text(tiny)
    state = model.to_torch(seed=3).state_dict()
    torch.save(state, tmp_path / "w.pt")
    np.savez(tmp_path / "w.npz", **{k: v.numpy() for k, v in state.items()})
    expected = model.to_onnx(weights=state).SerializeToString()
    assert model.to_onnx(weights=tmp_path / "w.pt").SerializeToString() == expected
    assert model.to_onnx(weights=str(tmp_path / "w.npz")).SerializeToString() == expected
    assert model.to_onnx(weights={k: v.numpy() for k, v in state.items()}).SerializeToString() == expected


def _errors(caught: pytest.ExceptionInfo[ArchdslError]) -> str:
    return caught.value.format()


def test_missing_extra_and_misshaped_tensors_are_each_named(load_text: Any, tiny: str) -> None:
    model = load_text(tiny)
    state = dict(model.to_torch(seed=0).state_dict())
    del state["bn.running_var"]
    state["fc.weight"] = torch.zeros(2, 5)  # declared: 3 × 4
    state["fc.wieght"] = torch.zeros(1)
    with pytest.raises(ArchdslError) as caught:
        model.to_onnx(weights=state)
    text = _errors(caught)
    assert "no tensor 'bn.running_var' ([4])" in text and "[bn]" in text and ":6:" in text
    assert "tensor 'fc.weight' in weights has shape [2, 5], the spec declares [3, 4]" in text and "[fc]" in text
    assert "a tensor 'fc.wieght' that the spec does not declare" in text and "did you mean 'fc.weight'?" in text
    assert "3 errors" in text


@pytest.mark.parametrize(("content", "message"), [
    ({"state_dict": {"conv.weight": torch.zeros(1)}}, "holds a training checkpoint, not a state_dict"),
    ([torch.zeros(1)], "holds a list, not a state_dict"),
    (b"not a checkpoint", "cannot read weights from"),
])
def test_unreadable_checkpoints(content: Any, message: str, tmp_path: Path, load_text: Any, tiny: str) -> None:
    path = tmp_path / "w.pt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save(content, path)
    with pytest.raises(BackendError, match=message):
        load_text(tiny).to_onnx(weights=path)


def test_weights_and_a_seed_together_are_refused(load_text: Any, tiny: str) -> None:
    model = load_text(tiny)
    with pytest.raises(BackendError, match="both weights and a seed were given"):
        model.to_onnx(weights=model.to_torch().state_dict(), seed=1)


def test_a_missing_checkpoint_file(tmp_path: Path, load_text: Any, tiny: str) -> None:
    with pytest.raises(BackendError, match="weights file '.*nope.pt' not found"):
        load_text(tiny).to_onnx(weights=tmp_path / "nope.pt")


def test_every_op_with_weights_declares_its_default_init() -> None:
    with_weights = {name for name, op in OPS.items() if type(op).weights is not Op.weights}
    assert with_weights <= {name for name, op in OPS.items() if type(op).default_init is not Op.default_init}
    from archdsl.spec.init import INITIALIZERS

    assert set(DRAW) | set(TORCH_ONLY) == set(INITIALIZERS) - {"default"}


def test_without_torch_initial_weights_are_still_the_torch_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    model = archdsl.load("googlenet")  # its init rules: trunc_normal(0, 0.01) conv/linear weights, BN 1 and 0
    state = {k: v.numpy() for k, v in model.to_torch(seed=5).state_dict().items() if "num_batches" not in k}
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError):
        import torch as _  # noqa: F401
    proto = model.to_onnx(seed=5, optimize=False)
    assert proto.SerializeToString() != model.to_onnx(seed=6, optimize=False).SerializeToString()
    found = initializers(proto)
    assert list(found) == list(state)
    for name, value in state.items():
        assert np.array_equal(found[name], value), name


def test_without_torch_an_orthogonal_rule_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                                           load_text: Any, tiny: str) -> None:
    model = load_text(tiny + 'init:\n  - {op: linear, weight: "orthogonal"}\n')
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(BackendError, match="orthogonal .*need torch, which is not installed") as caught:
        model.to_onnx(seed=0)
    assert caught.value.node == "fc" and "--weights" in (caught.value.hint or "")


WITHOUT_TORCH = """
import importlib.abc, json, sys


class NoTorch(importlib.abc.MetaPathFinder):
    \"\"\"Behaves as if torch and torchvision were not installed.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("torch", "torchvision"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoTorch())
import onnx
import archdsl
from archdsl.cli import main

onnx.checker.check_model(archdsl.load("resnet18").to_onnx(seed=1), full_check=True)
code = main(["export", "lenet5", "-o", sys.argv[1]])
onnx.checker.check_model(sys.argv[1], full_check=True)
print(json.dumps({"code": code, "torch": sorted(m for m in sys.modules if m.partition(".")[0] in ("torch", "torchvision"))}))
"""


def test_without_torch_installed_export_and_the_cli_work(tmp_path: Path) -> None:
    """A fresh interpreter where torch cannot be imported (the test above hides it only after this
    process has imported it): the API and `archdsl export` emit checked models with initial weights."""
    path = tmp_path / "m.onnx"
    done = subprocess.run([sys.executable, "-c", WITHOUT_TORCH, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"code": 0, "torch": []}
    assert path.stat().st_size > 0


def test_a_pt_checkpoint_without_torch_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        load_text: Any, tiny: str) -> None:
    model = load_text(tiny)
    torch.save(model.to_torch().state_dict(), tmp_path / "w.pt")
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(BackendError, match="needs torch, which is not installed") as caught:
        model.to_onnx(weights=tmp_path / "w.pt")
    assert ".npz" in (caught.value.hint or "")


def test_declared_weights_follow_the_ops(load_text: Any, tiny: str) -> None:
    found = declared(load_text(tiny).graph)
    assert list(found) == ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
                           "bn.num_batches_tracked", "fc.weight", "fc.bias"]  # relu, pool, flat, drop: none
    assert found["bn.num_batches_tracked"][1] == Weight((), trainable=False, dtype="int64")


def test_a_safetensors_file_gives_the_same_model_as_the_tensors(tmp_path: Path, load_text: Any, tiny: str) -> None:
    numpy_api = pytest.importorskip("safetensors.numpy")
    model = load_text(tiny)
    state = {k: v.numpy() for k, v in model.to_torch(seed=3).state_dict().items()}
    numpy_api.save_file(state, tmp_path / "w.safetensors")
    expected = model.to_onnx(weights=state).SerializeToString()
    assert model.to_onnx(weights=tmp_path / "w.safetensors").SerializeToString() == expected


def test_the_torch_backends_safetensors_artifact_exports_as_its_pt(tmp_path: Path, load_text: Any, tiny: str) -> None:
    # `build --backend torch -o m.safetensors` and `-o m.pt` hold the same state_dict
    pytest.importorskip("safetensors")
    from archdsl.cli import main

    spec = tmp_path / "s.yaml"
    spec.write_text(tiny, encoding="utf-8")
    for suffix in ("pt", "safetensors"):
        assert main(["build", str(spec), "--backend", "torch", "--seed", "4", "-o", str(tmp_path / f"m.{suffix}")]) == 0
        assert main(["export", str(spec), "--weights", str(tmp_path / f"m.{suffix}"), "-o", str(tmp_path / f"{suffix}.onnx")]) == 0
    assert (tmp_path / "safetensors.onnx").read_bytes() == (tmp_path / "pt.onnx").read_bytes()
    assert (tmp_path / "pt.onnx").read_bytes() == load_text(tiny).to_onnx(seed=4).SerializeToString()


def test_a_mis_shaped_safetensors_tensor_is_named_with_the_file(tmp_path: Path, load_text: Any, tiny: str) -> None:
    numpy_api = pytest.importorskip("safetensors.numpy")
    model = load_text(tiny)
    state = {k: v.numpy() for k, v in model.to_torch(seed=0).state_dict().items()}
    state["fc.weight"] = np.zeros((2, 5), np.float32)
    numpy_api.save_file(state, tmp_path / "w.safetensors")
    with pytest.raises(ArchdslError) as caught:
        model.to_onnx(weights=tmp_path / "w.safetensors")
    assert "tensor 'fc.weight' in " in _errors(caught) and "w.safetensors has shape [2, 5], the spec declares [3, 4]" in _errors(caught)


@pytest.mark.parametrize("cut", [0, 5, 9, -1])
def test_a_truncated_safetensors_file_is_one_error_at_the_file(cut: int, tmp_path: Path, load_text: Any,
                                                                tiny: str) -> None:
    numpy_api = pytest.importorskip("safetensors.numpy")
    model = load_text(tiny)
    data = numpy_api.save({k: v.numpy() for k, v in model.to_torch(seed=0).state_dict().items()})
    (tmp_path / "w.safetensors").write_bytes(data[:cut])
    with pytest.raises(BackendError, match="cannot read weights from '.*w.safetensors'") as caught:
        model.to_onnx(weights=tmp_path / "w.safetensors")
    assert caught.value.span is not None and caught.value.span.file.endswith("w.safetensors")


def test_safetensors_not_installed_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    load_text: Any, tiny: str) -> None:
    (tmp_path / "w.safetensors").write_bytes(b"anything")
    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(BackendError, match="needs the safetensors package, which is not installed") as caught:
        load_text(tiny).to_onnx(weights=tmp_path / "w.safetensors")
    assert ".npz" in (caught.value.hint or "")


SAFETENSORS_WITHOUT_TORCH = WITHOUT_TORCH.split("onnx.checker.check_model(archdsl")[0] + """
code = main(["export", sys.argv[2], "--weights", sys.argv[3], "-o", sys.argv[1]])
print(json.dumps({"code": code, "torch": sorted(m for m in sys.modules if m.partition(".")[0] in ("torch", "torchvision"))}))
"""


def test_a_safetensors_checkpoint_needs_no_torch(tmp_path: Path, load_text: Any, tiny: str) -> None:
    """A fresh interpreter where torch cannot be imported exports from a .safetensors file."""
    numpy_api = pytest.importorskip("safetensors.numpy")
    model = load_text(tiny)
    state = {k: v.numpy() for k, v in model.to_torch(seed=2).state_dict().items()}
    numpy_api.save_file(state, tmp_path / "w.safetensors")
    (tmp_path / "s.yaml").write_text(tiny, encoding="utf-8")
    args = [str(tmp_path / "m.onnx"), str(tmp_path / "s.yaml"), str(tmp_path / "w.safetensors")]
    done = subprocess.run([sys.executable, "-c", SAFETENSORS_WITHOUT_TORCH, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"code": 0, "torch": []}
    assert (tmp_path / "m.onnx").read_bytes() == model.to_onnx(weights=state).SerializeToString()
