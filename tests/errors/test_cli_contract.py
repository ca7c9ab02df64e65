"""The CLI's error contract end to end: exit codes, no tracebacks, atomic outputs."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from archdsl.errors import OutputError
from archdsl.fileio import atomic_path, write_atomic

BAD = "archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph:\n  - c: {op: conv2, out: 8, kernel: 3}\n"
GOOD = "archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph:\n  - c: {op: conv2d, out: 8, kernel: 3}\n"


@pytest.fixture
def specs(tmp_path: Path) -> dict[str, Path]:
    files = {"bad": BAD, "good": GOOD}
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return {name: tmp_path / f"{name}.yaml" for name in files}


def test_internal_errors_exit_1_with_a_report_hint(run_cli, specs, monkeypatch) -> None:  # noqa: ANN001
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("archdsl.cli.commands.load_model", broken)
    status, _, err = run_cli(["validate", str(specs["good"])])
    assert status == 1 and "internal error: RuntimeError: boom" in err and "please report" in err
    assert "Traceback" not in err
    for argv in (["--debug", "validate", str(specs["good"])], ["validate", "--debug", str(specs["good"])],
                 ["validate", str(specs["good"]), "--debug"]):
        status, _, err = run_cli(argv)
        assert status == 1 and "Traceback" in err, argv


def test_every_command_takes_debug_after_its_name() -> None:
    from archdsl.cli import parser

    commands = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert {"validate", "analyze", "schema", "build", "lint", "diff"} <= set(commands)
    missing = [name for name, command in commands.items() if "--debug" not in command.format_usage()]
    assert missing == []
    assert parser().parse_args(["schema"]).debug is False
    assert parser().parse_args(["--debug", "schema"]).debug is True
    assert parser().parse_args(["schema", "--debug"]).debug is True


def test_failed_command_leaves_an_existing_output_untouched(run_cli, specs, tmp_path: Path) -> None:  # noqa: ANN001
    report = tmp_path / "report.json"
    report.write_bytes(b"previous report")
    status, _, err = run_cli(["analyze", "--format", "json", "-o", str(report), str(specs["bad"])])
    assert status == 2 and "bad.yaml:4:9:" in err
    assert report.read_bytes() == b"previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "good.yaml", "report.json"]


@pytest.mark.parametrize(("command", "name"), [
    (["build", "--backend", "torch"], "model.pt2"),
    (["export"], "model.onnx"),
    (["render"], "model.svg"),
])
def test_failed_backend_command_writes_nothing(run_cli, specs, tmp_path: Path, command: list[str], name: str) -> None:  # noqa: ANN001
    status, _, err = run_cli([*command, "-o", str(tmp_path / name), str(specs["bad"])])
    assert status == 2 and "unknown op 'conv2'" in err and "Traceback" not in err
    assert not (tmp_path / name).exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_an_interrupted_write_leaves_no_trace(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as temp:
        temp.write_text("half", encoding="utf-8")
        raise RuntimeError("killed mid-write")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_writing_to_a_pipe_keeps_the_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert received == [b"through the pipe\n"]
    assert fifo.is_fifo()


def test_unwritable_outputs_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="it is a directory"):
        write_atomic(tmp_path, "x")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write"):
        write_atomic(tmp_path / "file" / "below.txt", "x")


def test_outputs_get_the_usual_file_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    write_atomic(target, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


ARCHDSL = str(Path(sys.executable).with_name("archdsl"))
"""The installed console script: what a user runs."""

CASES = {
    "bad spec": (BAD, 2, "bad spec.yaml:4:9: error: [c] unknown op 'conv2'"),
    "laughs": ("archdsl: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
               + "".join(f"a{i}: &a{i} [{', '.join(['*a' if i == 1 else f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)),
               2, "YAML document has more than 50000 values"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 2, "is not UTF-8 text"),
    "good": (GOOD, 0, ""),
}


@pytest.mark.parametrize("case", CASES)
def test_real_processes_exit_with_the_contract(tmp_path: Path, case: str) -> None:
    content, expected, fragment = CASES[case]
    spec = tmp_path / f"{case}.yaml"
    spec.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    done = subprocess.run([ARCHDSL, "validate", str(spec)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == expected, done.stderr
    assert fragment in done.stderr and "Traceback" not in done.stderr + done.stdout


def test_a_directory_given_as_spec_exits_2(tmp_path: Path) -> None:
    done = subprocess.run([ARCHDSL, "analyze", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "is a directory" in done.stderr and "Traceback" not in done.stderr


ODD_FILES = {
    "empty": (b"", "a spec must be a YAML mapping"),
    "blank lines": (b"\n  \n\n", "a spec must be a YAML mapping"),
    "tab-only line": (b"archdsl: 1\n\t\n", "use spaces"),
    "BOM only": (b"\xef\xbb\xbf", "a spec must be a YAML mapping"),
    "null": (b"~\n", "a spec must be a YAML mapping"),
    "number": (b"42\n", "a spec must be a YAML mapping"),
    "UTF-16": ("archdsl: 1\n".encode("utf-16"), "is not UTF-8 text"),
    "PNG": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "is not UTF-8 text"),
    "gzip": (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "is not UTF-8 text"),
    "NUL bytes": (b"archdsl: 1\x00\x00\n", "control character U+0000"),
    "lone surrogate escape": (b"archdsl: 1\nname: \"\\ud800\"\n", ""),
}


@pytest.mark.parametrize("case", ODD_FILES)
def test_odd_files_are_located_errors(run_cli, tmp_path: Path, case: str) -> None:  # noqa: ANN001
    content, fragment = ODD_FILES[case]
    spec = tmp_path / "odd.yaml"
    spec.write_bytes(content)
    status, out, err = run_cli(["validate", str(spec)])
    assert status == 2 and "odd.yaml:" in err and fragment in err, err
    assert "Traceback" not in out + err and "internal error" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("command", [["schema"], ["analyze", "resnet18", "--format", "json"], ["validate", "resnet18"]])
def test_a_full_stdout_is_a_user_error(command: list[str]) -> None:
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run([ARCHDSL, *command], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr == "error: cannot write to standard output: No space left on device\n"


def test_a_reader_that_stops_early_is_not_an_error() -> None:
    with subprocess.Popen([ARCHDSL, "schema"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(1) == b"{"
        process.stdout.close()  # like `| head -c 1`
        assert process.wait(timeout=120) == 0
        assert process.stderr.read() == b""
