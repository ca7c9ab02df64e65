"""onnxruntime sessions: the provider asked for, or a clear error instead of a silent CPU fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import archdsl
from archdsl.backends.onnx import session
from archdsl.bench import bound
from archdsl.errors import BackendError

NO_GPU = not torch.cuda.is_available()


@pytest.fixture
def model(load_text: Any, tiny: str) -> archdsl.Model:
    return load_text(tiny)


def test_cpu_session_from_a_model_a_proto_bytes_and_a_file(model: archdsl.Model, tmp_path: Path) -> None:
    proto = model.to_onnx()
    (tmp_path / "m.onnx").write_bytes(proto.SerializeToString())
    x = {"x": np.ones((2, 3, 8, 8), np.float32)}
    results = [session(source).run(x)["output"] for source in
               (model, proto, proto.SerializeToString(), tmp_path / "m.onnx", str(tmp_path / "m.onnx"))]
    for result in results:
        assert result.shape == (2, 3) and np.array_equal(result, results[0])
    opened = session(proto)
    assert opened.providers == ["CPUExecutionProvider"] and not opened.fallback and opened.notes == []


@pytest.mark.skipif(not NO_GPU, reason="a GPU is present: the provider starts")
@pytest.mark.parametrize(("provider", "name"), [("cuda", "CUDAExecutionProvider"), ("tensorrt", "TensorrtExecutionProvider")])
def test_a_gpu_provider_that_cannot_start_is_an_error(provider: str, name: str, model: archdsl.Model) -> None:
    with pytest.raises(BackendError) as caught:
        session(model.to_onnx(), provider=provider)
    assert f"onnxruntime could not start {name}" in caught.value.message
    assert "--allow-fallback" in (caught.value.hint or "")


@pytest.mark.skipif(not NO_GPU, reason="a GPU is present: the provider starts")
def test_fallback_when_allowed_is_reported(model: archdsl.Model) -> None:
    opened = session(model.to_onnx(), provider="cuda", allow_fallback=True)
    assert opened.fallback and opened.providers == ["CPUExecutionProvider"]
    assert "CUDAExecutionProvider" in opened.notes[0]
    assert opened.run({"x": np.ones((1, 3, 8, 8), np.float32)})["output"].shape == (1, 3)


@pytest.mark.skipif(NO_GPU, reason="needs a CUDA GPU")
def test_cuda_session_runs_on_cuda(model: archdsl.Model) -> None:
    opened = session(model.to_onnx(), provider="cuda")
    assert opened.providers[0] == "CUDAExecutionProvider" and not opened.fallback


def test_unknown_provider(model: archdsl.Model) -> None:
    with pytest.raises(BackendError, match="unknown execution provider 'cudaa'") as caught:
        session(model.to_onnx(), provider="cudaa")
    assert caught.value.hint == "did you mean 'cuda'?"


def test_a_broken_model_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.onnx").write_bytes(b"nonsense")
    with pytest.raises(BackendError, match="onnxruntime cannot load the model"):
        session(tmp_path / "bad.onnx")


def test_io_binding_runs_like_run(model: archdsl.Model) -> None:
    opened = session(model.to_onnx())
    x = {"x": np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)}
    run, binding = bound(opened.session, x, "cpu")
    run()
    assert np.array_equal(binding.copy_outputs_to_cpu()[0], opened.run(x)["output"])
