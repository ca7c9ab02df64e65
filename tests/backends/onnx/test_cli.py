"""`archdsl export`, `build --backend onnx`, `run` and `bench`: files, messages, exit codes.
Every bad input is one located message, exit status 2, no traceback, no file written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from archdsl.backends.onnx.rules import load_rules
from archdsl.backends.onnx.table import EMITTERS
from archdsl.cli import main

CIRCULAR_RELU = ("  - relu: {op: relu}", "  - relu: {op: pad, pads: [1, 1, 1, 1], mode: circular}")


@pytest.fixture
def spec(write_spec: Any, tiny: str) -> Path:
    return write_spec(tiny)


def cli(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_export_writes_the_same_bytes_every_time(spec: Path, tmp_path: Path, capsys: Any) -> None:
    code, out, _ = cli(capsys, "export", spec, "-o", tmp_path / "a.onnx", "--seed", "3")
    assert code == 0 and out.startswith(f"wrote {tmp_path / 'a.onnx'}: opset 18, ")
    cli(capsys, "export", spec, "-o", tmp_path / "b.onnx", "--seed", "3")
    assert (tmp_path / "a.onnx").read_bytes() == (tmp_path / "b.onnx").read_bytes()
    onnx.checker.check_model(onnx.load(str(tmp_path / "a.onnx")), full_check=True)


def test_build_with_the_onnx_backend_is_export(spec: Path, tmp_path: Path, capsys: Any) -> None:
    cli(capsys, "export", spec, "-o", tmp_path / "a.onnx", "--functions", "--no-optimize", "--opset", "20")
    code, out, _ = cli(capsys, "build", spec, "--backend", "onnx", "-o", tmp_path / "b.onnx",
                       "--functions", "--no-optimize", "--opset", "20")
    assert code == 0 and "opset 20" in out
    assert (tmp_path / "a.onnx").read_bytes() == (tmp_path / "b.onnx").read_bytes()


def test_export_names_the_file_after_the_model(spec: Path, tmp_path: Path, capsys: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli(capsys, "export", spec)[0] == 0 and (tmp_path / "tiny.onnx").is_file()


def test_export_takes_the_torch_backends_checkpoint(spec: Path, tmp_path: Path, capsys: Any) -> None:
    assert cli(capsys, "build", spec, "--backend", "torch", "-o", tmp_path / "w.pt", "--seed", "9")[0] == 0
    assert cli(capsys, "export", spec, "--weights", tmp_path / "w.pt", "--no-optimize", "-o", tmp_path / "m.onnx")[0] == 0
    state = torch.load(tmp_path / "w.pt", weights_only=True)
    for tensor in onnx.load(str(tmp_path / "m.onnx")).graph.initializer:
        assert np.array_equal(numpy_helper.to_array(tensor), state[tensor.name].numpy())


def _fails(capsys: Any, output: Path, *argv: Any) -> str:
    code, out, err = cli(capsys, *argv, "-o", output)
    assert code == 2 and not output.exists() and not list(output.parent.glob(f".{output.name}*"))
    return err


def test_a_bad_checkpoint_names_the_tensor(spec: Path, tmp_path: Path, capsys: Any) -> None:
    torch.save({"conv.weight": torch.zeros(4, 3, 3, 3)}, tmp_path / "w.pt")
    err = _fails(capsys, tmp_path / "m.onnx", "export", spec, "--weights", tmp_path / "w.pt")
    assert "error: [conv] w.pt has no tensor 'conv.bias' ([4])" in err.replace(str(tmp_path) + "/", "")
    assert f"{spec}:6:5" in err and "error: [fc]" in err


def test_an_opset_too_old_names_the_node(write_spec: Any, tiny: str, tmp_path: Path, capsys: Any) -> None:
    spec = write_spec(tiny.replace(*CIRCULAR_RELU))
    err = _fails(capsys, tmp_path / "m.onnx", "export", spec, "--opset", "18")
    assert f"{spec}:7:5: error: [relu] op 'pad' with these attributes needs ONNX opset 19" in err
    assert "--opset 19" in err
    assert "opset 17 is not supported" in _fails(capsys, tmp_path / "m.onnx", "export", spec, "--opset", "17")


def test_an_op_without_emitter(spec: Path, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    load_rules()
    monkeypatch.delitem(EMITTERS, "adaptive_avgpool2d")
    err = _fails(capsys, tmp_path / "m.onnx", "export", spec)
    assert f"{spec}:8:5: error: [pool] the ONNX backend cannot emit op 'adaptive_avgpool2d'" in err


def test_build_wants_an_onnx_suffix(spec: Path, tmp_path: Path, capsys: Any) -> None:
    err = _fails(capsys, tmp_path / "m.pt", "build", spec, "--backend", "onnx")
    assert "writes .onnx files" in err
    err = _fails(capsys, tmp_path / "m.onnx", "build", spec, "--backend", "onnx", "--device", "cuda")
    assert "--device is an option of the torch backend; it does nothing with --backend onnx" in err


def test_run_a_spec_and_save_the_outputs(spec: Path, tmp_path: Path, capsys: Any) -> None:
    np.savez(tmp_path / "in.npz", x=np.ones((2, 3, 8, 8), np.float32))
    code, out, _ = cli(capsys, "run", spec, "--data", tmp_path / "in.npz", "--save", tmp_path / "out.npz", "--runs", "3")
    assert code == 0 and "tiny: batch 2 on CPUExecutionProvider" in out and "output: 2×3 float32" in out
    saved = np.load(tmp_path / "out.npz")
    assert saved["output"].shape == (2, 3) and np.allclose(saved["output"][0], saved["output"][1])


def test_run_an_onnx_file(spec: Path, tmp_path: Path, capsys: Any) -> None:
    cli(capsys, "export", spec, "-o", tmp_path / "m.onnx")
    code, out, _ = cli(capsys, "run", tmp_path / "m.onnx", "--batch", "4")
    assert code == 0 and "output: 4×3 float32" in out
    code, _, err = cli(capsys, "run", tmp_path / "m.onnx", "-p", "a=1")
    assert code == 2 and "-p applies to specs" in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present: the provider starts")
def test_run_on_cuda_without_a_gpu(spec: Path, capsys: Any) -> None:
    code, _, err = cli(capsys, "run", spec, "--provider", "cuda")
    assert code == 2 and "error: onnxruntime could not start CUDAExecutionProvider" in err
    assert "--allow-fallback" in err
    code, out, err = cli(capsys, "run", spec, "--provider", "cuda", "--allow-fallback")
    assert code == 0 and "warning: onnxruntime could not start CUDAExecutionProvider" in err
    assert "on CPUExecutionProvider" in out


def test_run_with_inputs_that_do_not_fit(spec: Path, tmp_path: Path, capsys: Any) -> None:
    np.savez(tmp_path / "in.npz", x=np.ones((2, 3, 9, 8), np.float32))
    code, _, err = cli(capsys, "run", spec, "--data", tmp_path / "in.npz")
    assert code == 2 and "input 'x' in" in err and "is 2×3×9×8, the model takes N×3×8×8" in err
    np.savez(tmp_path / "in.npz", x=np.ones((2, 3, 8, 8), np.float32))
    code, _, err = cli(capsys, "run", spec, "--data", tmp_path / "in.npz", "--batch", "3")
    assert code == 2 and "is 2×3×8×8, the model takes 3×3×8×8" in err


def test_bench_prints_one_table(spec: Path, capsys: Any) -> None:
    code, out, err = cli(capsys, "bench", spec, "--backends", "torch,onnx", "--batch", "1,2", "--runs", "3", "--warmup", "1")
    assert code == 0 and "tiny: batch 2: run" in err
    rows = [line for line in out.splitlines() if line.startswith("| torch") or line.startswith("| onnx")]
    assert [r.split("|")[1].strip() for r in rows] == ["torch", "onnx", "torch", "onnx"]
    assert "onnxruntime CPUExecutionProvider" in out and "1.00×" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--backends", "torch,tensorflow"], "unknown backend 'tensorflow' in --backends"),
    (["--batch", "1,x"], "--batch expects sizes like 1,8"),
    (["--backends", "onnx-tensorrt"], "the tensorrt provider runs on the GPU"),
])
def test_bench_bad_arguments(argv: list[str], message: str, spec: Path, capsys: Any) -> None:
    code, _, err = cli(capsys, "bench", spec, *argv, "--runs", "1")
    assert code == 2 and message in err
