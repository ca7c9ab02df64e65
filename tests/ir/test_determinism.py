"""The same command twice gives byte-identical JSON, DOT and ONNX, even across hash seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SPEC = """\
archdsl: 1
name: tiny
params: {width: 8}
inputs: {x: [3, 16, 16]}
blocks:
  branchy:
    params: {c: int}
    graph:
      - a: {op: conv2d, from: input, out: "${c}", kernel: 1}
      - b: {op: conv2d, from: input, out: "${c}", kernel: 3, padding: 1}
      - skip: {from: input, when: "${input.channels != 2 * c}", graph: [{op: conv2d, out: "${2 * c}", kernel: 1}]}
      - cat: {op: concat, from: [a, b], dim: 1}
      - join: {op: add, from: [cat, skip]}
      - bn: {op: batchnorm2d}
      - act: {op: relu}
graph:
  - stem: {op: conv2d, out: "${width}", kernel: 3, padding: 1}
  - stage: {repeat: 3, block: branchy, with: {c: "${width}"}}
  - pool: {op: adaptive_avgpool2d, size: 1}
  - flat: {op: flatten}
  - fc: {op: linear, out: 10}
"""

COMMANDS = {
    "report.json": ["analyze", "--format", "json", "-o"],
    "diagram.dot": ["render", "-o"],
    "model.onnx": ["export", "-o"],
}

CHILD = """
import sys
from archdsl.cli import main
spec, out = sys.argv[1], sys.argv[2]
for name, command in {commands!r}.items():
    assert main([*command, out + "/" + name, spec]) == 0, name
"""


def _outputs(spec: Path, folder: Path, seed: str) -> dict[str, bytes]:
    folder.mkdir()
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run([sys.executable, "-c", CHILD.format(commands=COMMANDS), str(spec), str(folder)],
                   check=True, env=env, timeout=600, capture_output=True)
    return {name: (folder / name).read_bytes() for name in COMMANDS}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    root = tmp_path_factory.mktemp("determinism")
    spec = root / "tiny.yaml"
    spec.write_text(SPEC, encoding="utf-8")
    return _outputs(spec, root / "first", "1"), _outputs(spec, root / "second", "4242")


@pytest.mark.parametrize("name", COMMANDS)
def test_outputs_are_byte_identical(runs: tuple[dict[str, bytes], dict[str, bytes]], name: str) -> None:
    first, second = runs
    assert first[name], f"{name} is empty"
    assert first[name] == second[name]
