"""`archdsl diff`: two specs or one under two parameter sets; table, JSON and Markdown; mistakes exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from archdsl.cli import main

SPEC = """\
archdsl: 1
name: net
params: {width: 8, classes: 10}
inputs: {x: [3, 16, 16]}
graph:
  - conv: {op: conv2d, out: "${width}", kernel: 3, padding: 1}
  - pool: {op: adaptive_avgpool2d, size: 1}
  - flat: {op: flatten}
  - fc: {op: linear, out: "${classes}"}
"""


def test_one_spec_under_two_parameter_sets(write_spec: Callable[..., Path], capsys: pytest.CaptureFixture) -> None:
    path = str(write_spec(SPEC))
    assert main(["diff", path, "-p", "classes=5", "--vs-param", "width=16", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["a"]["label"], report["b"]["label"]) == ("net (width=8)", "net (width=16)")
    assert report["a"]["params"] == {"width": 8, "classes": 5} and report["b"]["params"] == {"width": 16, "classes": 5}
    # conv: 3·9·w + w; fc: w·5 + 5
    assert report["totals"]["params"] == {"a": 224 + 45, "b": 448 + 85, "delta": 224 + 40}
    fc = next(s for s in report["scopes"] if s["name"] == "fc")
    assert fc["params"] == {"a": 45, "b": 85, "delta": 40} and fc["shape"] == {"a": ["N", 5], "b": ["N", 5]}
    assert [n["name"] for n in report["nodes"]] == ["conv", "pool", "flat", "fc"]


def test_table_and_markdown(write_spec: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    a, b = str(write_spec(SPEC, "a.yaml")), str(write_spec(SPEC.replace("width: 8", "width: 12"), "b.yaml"))
    assert main(["diff", a, b]) == 0
    text = capsys.readouterr().out
    assert text.startswith("A: net (width=8)\nB: net (width=12)\n")
    assert "  changed  conv: out 8 → 12; shape N×8×16×16 → N×12×16×16; params 224 → 336" in text
    assert "  changed  fc: params 90 → 130" in text
    out = tmp_path / "diff.md"
    assert main(["diff", a, b, "--format", "markdown", "-o", str(out)]) == 0
    md = out.read_text(encoding="utf-8")
    assert md.startswith("## net (width=8) → net (width=12)\n")
    assert "| params | 314 | 466 | +152 | +48.41% |" in md  # conv 3·9·w + w, fc w·10 + 10
    assert "| changed | `fc` | params 90 → 130 |" in md


@pytest.mark.parametrize(
    "extra, message",
    [
        ([], "nothing to compare"),
        (["--vs-param", "depth=3"], "has no param 'depth'"),
        (["--vs-input", "3x16"], "of rank 4"),
    ],
)
def test_mistakes_exit_2_and_write_nothing(write_spec: Callable[..., Path], tmp_path: Path,
                                          capsys: pytest.CaptureFixture, extra: list[str], message: str) -> None:
    out = tmp_path / "diff.txt"
    assert main(["diff", str(write_spec(SPEC)), "-o", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()
