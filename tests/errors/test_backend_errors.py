"""A backend that lacks an op says which op and which node, by name and spec line, and writes nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from archdsl.ops import OPS, Op
from archdsl.tensors import TensorType


class Mystery(Op):
    """An op that only the core knows: no backend has a rule for it."""

    name = "mystery"
    family = "novel"

    def infer(self, attrs: Any, inputs: Sequence[TensorType]) -> list[TensorType]:
        return [inputs[0]]


SPEC = "archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph:\n  - c: {op: conv2d, out: 4, kernel: 3}\n  - m: {op: mystery}\n"


@pytest.mark.parametrize(("command", "output", "message"), [
    (["build", "--backend", "torch"], "model.pt2", "the torch backend cannot lower op 'mystery'"),
    (["export"], "model.onnx", "op 'mystery'"),
    (["render"], "model.svg", "the graphviz backend cannot draw op 'mystery'"),
])
def test_missing_lowering_is_located(run_cli, tmp_path: Path, monkeypatch, command: list[str], output: str,  # noqa: ANN001
                                     message: str) -> None:
    monkeypatch.setitem(OPS, "mystery", Mystery())
    spec = tmp_path / "model.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    status, _, err = run_cli([*command, "-o", str(tmp_path / output), str(spec)])
    assert status == 2, err
    assert "model.yaml:5:5: error: [m]" in err and message in err and "Traceback" not in err
    assert not (tmp_path / output).exists() and not list(tmp_path.glob(".*.tmp"))


def test_running_without_onnxruntime_names_the_extra_to_install(tmp_path: Path) -> None:
    # onnxruntime comes from the [cpu] or [gpu] extra; an install with neither still exports
    script = ("import sys; sys.modules['onnxruntime'] = None\n"  # what `import onnxruntime` sees when it is absent
              "from archdsl.cli import main\n"
              "sys.exit(main(['export', 'lenet5', '-o', 'l.onnx']) or main(['run', 'l.onnx']))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert (tmp_path / "l.onnx").is_file()
    assert "onnxruntime is not installed" in done.stderr and "archdsl[cpu]" in done.stderr
    assert "Traceback" not in done.stderr
