"""`archdsl lint`: located warnings with why and fix, --strict, JSON, and errors that write nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from archdsl.cli import main

WARNED = """\
archdsl: 1
inputs: {x: [3, 8, 8]}
graph:
  - a: {op: relu}
  - b: {op: relu}
"""
CLEAN = "archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph:\n  - a: {op: relu}\n"


def test_text_report_and_strict(write_spec: Callable[..., Path], capsys: pytest.CaptureFixture) -> None:
    warned = write_spec(WARNED, "warned.yaml")
    assert main(["lint", str(warned)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"{warned}:5:5: warning[double-relu]: 'b' (relu) follows 'a' (relu), whose output it leaves unchanged",
        "  why: an activation applied to an output already in its range changes nothing and costs a pass over memory",
        "  fix: remove 'b'",
        "warned: 1 warning",
    ]
    assert main(["lint", "--strict", str(warned)]) == 1
    assert main(["lint", "--strict", str(write_spec(CLEAN, "clean.yaml"))]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "clean: clean"


def test_json_report(write_spec: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "lint.json"
    assert main(["lint", "--format", "json", "-o", str(out), str(write_spec(WARNED))]) == 0
    (report,) = json.loads(out.read_text(encoding="utf-8"))
    assert report["spec"] == "model" and report["suppressed"] == []
    (warning,) = report["warnings"]
    assert {k: warning[k] for k in ("rule", "node", "line", "col", "fix")} == {
        "rule": "double-relu", "node": "b", "line": 5, "col": 5, "fix": "remove 'b'"}


def test_a_spec_that_does_not_load_is_an_error_and_nothing_is_written(
    write_spec: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    bad = write_spec("archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph:\n  - a: {op: rleu}\n", "bad.yaml")
    out = tmp_path / "report.txt"
    assert main(["lint", "-o", str(out), str(write_spec(WARNED)), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:4:" in err and "unknown op 'rleu'" in err and "Traceback" not in err
    assert not out.exists()
