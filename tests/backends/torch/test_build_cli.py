"""`archdsl build --backend torch`: summary, artifacts (.pt2, .pt, .py), errors, atomic writes.

Artifacts are read back the way a user without archdsl would: torch.export.load,
torch.load, and importing the .py in a fresh interpreter where archdsl and the
backends package cannot be imported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

import archdsl
from archdsl.backends.torch.examples import example_inputs
from archdsl.cli import main

SPEC = """\
archdsl: 1
name: small_net
description: a small net with a train-only head
params: {classes: 3}
inputs: {x: [3, 16, 16]}
graph:
  - conv: {op: conv2d, out: 8, kernel: 3, padding: 1, bias: false}
  - bn: {op: batchnorm2d}
  - relu: {op: relu, inplace: true}
  - drop: {op: drop_path, p: 0.1, from: relu}
  - res: {op: add, from: [relu, drop]}
  - pool: {op: adaptive_avgpool2d, size: 1}
  - flatten: {op: flatten}
  - fc: {op: linear, out: "${classes}"}
  - aux: {op: linear, from: flatten, out: 2}
outputs: [{logits: fc}, {aux: {from: aux, train_only: true}}]
init:
  - {op: conv2d, weight: "kaiming_normal(mode=fan_out, nonlinearity=relu)"}
  - {op: linear, weight: "normal(0, 0.01)", bias: zeros}
"""

BLOCKED = "import sys; sys.modules['archdsl'] = None; sys.modules['backends'] = None\n"


@pytest.fixture
def spec(write_spec: Any) -> Path:
    return write_spec(SPEC, "small_net.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def fresh_python(code: str) -> str:
    """Run `code` in a new interpreter that cannot import archdsl; return its stdout."""
    done = subprocess.run([sys.executable, "-c", BLOCKED + code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_summary_reports_the_module_and_the_forward_check(spec: Path, capsys: Any) -> None:
    code, out, err = run(capsys, "build", str(spec), "--backend", "torch", "--seed", "1", "--device", "cpu")
    assert code == 0, err
    assert "small_net: 277 params" in out  # conv 216, bn 16, fc 27, aux 18
    assert "torch: GraphModule 'small_net' (cpu, float32), 5 modules" in out and "seed 1" in out
    assert "forward check (eval mode, batch 1, cpu): logits 1×3" in out
    assert "forward check (train mode on a copy, batch 2, cpu): logits 2×3, aux 2×2" in out


def test_pt2_loads_with_torch_export_alone_and_has_a_dynamic_batch(spec: Path, tmp_path: Path, capsys: Any) -> None:
    target = tmp_path / "net.pt2"
    code, out, err = run(capsys, "build", str(spec), "--backend", "torch", "--seed", "0", "-o", str(target))
    assert code == 0, err
    assert f"wrote {target}" in out
    module = archdsl.load(spec).to_torch(seed=0).eval()
    x = example_inputs(module_graph(spec), batch=5)["x"]
    torch.save(x, tmp_path / "x.pt")
    printed = fresh_python(
        f"import torch\nep = torch.export.load({str(target)!r})\nx = torch.load({str(tmp_path / 'x.pt')!r})\n"
        f"torch.save(ep.module()(x), {str(tmp_path / 'y.pt')!r})\nprint('ok')"
    )
    assert printed.strip() == "ok"
    torch.testing.assert_close(torch.load(tmp_path / "y.pt"), module(x))


def module_graph(spec: Path) -> Any:
    return archdsl.load(spec).graph


def test_pt_is_the_state_dict_on_cpu(spec: Path, tmp_path: Path, capsys: Any) -> None:
    target = tmp_path / "net.pt"
    assert run(capsys, "build", str(spec), "--backend", "torch", "--seed", "4", "-o", str(target))[0] == 0
    saved = torch.load(target, weights_only=True)
    built = archdsl.load(spec).to_torch(seed=4).state_dict()
    assert list(saved) == list(built)
    assert all(torch.equal(saved[k], built[k]) and saved[k].device.type == "cpu" for k in built)


def test_py_is_a_standalone_module_with_the_same_names_and_behaviour(spec: Path, tmp_path: Path, capsys: Any) -> None:
    target = tmp_path / "net.py"
    assert run(capsys, "build", str(spec), "--backend", "torch", "-o", str(target))[0] == 0
    source = target.read_text()
    assert "class SmallNet(torch.nn.Module):" in source and "def forward(self, x):" in source
    assert "import archdsl" not in source and "backends" not in source
    built = archdsl.load(spec).to_torch(seed=2)
    torch.save(built.state_dict(), tmp_path / "w.pt")
    x = torch.randn(4, 3, 16, 16)
    torch.save(x, tmp_path / "x.pt")
    fresh_python(
        "import importlib.util, torch\n"
        f"spec = importlib.util.spec_from_file_location('net', {str(target)!r})\n"
        "net = importlib.util.module_from_spec(spec); spec.loader.exec_module(net)\n"
        "model = net.SmallNet()\n"
        f"model.load_state_dict(torch.load({str(tmp_path / 'w.pt')!r}), strict=True)\n"
        f"x = torch.load({str(tmp_path / 'x.pt')!r})\n"
        f"torch.save((model.eval()(x), sorted(model.train()(x))), {str(tmp_path / 'y.pt')!r})\n"
    )
    evaluated, train_keys = torch.load(tmp_path / "y.pt")
    torch.testing.assert_close(evaluated, built.eval()(x))
    assert train_keys == ["aux", "logits"]


def test_py_source_is_deterministic(spec: Path, tmp_path: Path, capsys: Any) -> None:
    first, second = tmp_path / "a.py", tmp_path / "b.py"
    for target, seed in ((first, "1"), (second, "2")):
        assert run(capsys, "build", str(spec), "--backend", "torch", "--seed", seed, "-o", str(target))[0] == 0
    assert first.read_bytes() == second.read_bytes()


def test_unknown_suffix_fails_before_building_and_writes_nothing(spec: Path, tmp_path: Path, capsys: Any) -> None:
    target = tmp_path / "net.onnx"
    code, out, err = run(capsys, "build", str(spec), "--backend", "torch", "-o", str(target))
    assert code == 2 and "cannot write" in err and ".pt2" in err and "Traceback" not in err
    assert not target.exists() and list(tmp_path.glob(".net*")) == []


def test_a_failed_build_leaves_no_file(write_spec: Any, tmp_path: Path, capsys: Any) -> None:
    bad = write_spec(SPEC.replace('out: "${classes}"', 'out: "${classes}", bias: maybe'), "bad.yaml")
    target = tmp_path / "bad.pt2"
    code, _, err = run(capsys, "build", str(bad), "--backend", "torch", "-o", str(target))
    assert code == 2 and "bad.yaml:" in err and "bias" in err
    assert not target.exists()


def test_cuda_without_gpu_is_a_located_cli_error(spec: Path, capsys: Any) -> None:
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    code, _, err = run(capsys, "build", str(spec), "--backend", "torch", "--device", "cuda")
    assert code == 2 and "no CUDA device" in err and "hint:" in err


@pytest.mark.parametrize("option, message", [
    (["--seed", "99999999999999999999999"], "seed"),
    (["--device", "tpu"], "unknown device 'tpu'"),
    (["--device", "meta"], "device 'meta' is not supported"),
])
def test_bad_options_are_errors_not_tracebacks(spec: Path, capsys: Any, option: list[str], message: str) -> None:
    code, _, err = run(capsys, "build", str(spec), "--backend", "torch", *option)
    assert code == 2 and message in err and "Traceback" not in err
