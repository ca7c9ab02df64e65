"""Progress on stderr: shown on a terminal for a genuinely slow command, never on a pipe or with --quiet.

The slow command is `build resnet152 --backend torch -o x.pt2` (torch.export alone runs for
seconds); stderr is the slave side of a pseudo-terminal, stdout a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

CLEAR = b"\r\x1b[K"
SLOW = ["build", "resnet152", "--backend", "torch"]


def _run_on_terminal(args: list[str], cwd: Path) -> tuple[int, bytes, bytes]:
    """Run `python -m archdsl ARGS` with stderr on a pseudo-terminal: (exit status, stdout, stderr)."""
    master, slave = os.openpty()
    with subprocess.Popen([sys.executable, "-m", "archdsl", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=slave) as child:
        os.close(slave)
        err = _drain(master)
        out = child.stdout.read() if child.stdout else b""
        status = child.wait(timeout=600)
    return status, out, err


def _drain(master: int) -> bytes:
    chunks = []
    try:
        while chunk := os.read(master, 65536):
            chunks.append(chunk)
    except OSError:  # EIO: every writer of the terminal has closed it
        pass
    finally:
        os.close(master)
    return b"".join(chunks)


@pytest.mark.slow
def test_a_slow_build_shows_progress_on_a_terminal_and_leaves_a_clean_line(tmp_path: Path) -> None:
    status, out, err = _run_on_terminal([*SLOW, "-o", "x.pt2"], tmp_path)
    assert status == 0, err
    assert b"tracing with torch.export... " in err
    assert err.endswith(CLEAR)  # the last status line is erased: the terminal is left as it was
    assert err.replace(b"\r\x1b[K", b"").count(b"\n") == 0  # nothing but status lines, never a line feed
    assert b"wrote x.pt2" in out and (tmp_path / "x.pt2").stat().st_size > 0


@pytest.mark.slow
@pytest.mark.parametrize("where", ["global", "command"])
def test_quiet_turns_progress_off_on_a_terminal(tmp_path: Path, where: str) -> None:
    # without -o: the forward pass of resnet152 still runs for seconds, and shows progress without --quiet
    args = ["--quiet", *SLOW] if where == "global" else [*SLOW, "--quiet"]
    status, out, err = _run_on_terminal(args, tmp_path)
    assert (status, err) == (0, b"")
    assert b"forward check" in out


def test_no_progress_when_stderr_is_a_pipe(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "archdsl", *SLOW], cwd=tmp_path, stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=600)
    assert (done.returncode, done.stderr) == (0, b"")
    assert b"forward check" in done.stdout


def test_quiet_is_accepted_before_a_core_command_and_changes_no_output(tmp_path: Path) -> None:
    plain, quiet = (subprocess.run([sys.executable, "-m", "archdsl", *flags, "analyze", "resnet50", "--format", "json"],
                                   cwd=tmp_path, capture_output=True, timeout=120) for flags in ([], ["--quiet"]))
    assert (quiet.returncode, quiet.stderr) == (0, b"")
    assert quiet.stdout == plain.stdout


@pytest.mark.slow
def test_quiet_silences_the_phase_lines_bench_writes_even_to_a_pipe(tmp_path: Path) -> None:
    bench = [sys.executable, "-m", "archdsl", "bench", "lstm_classifier", "--backends", "torch",
             "--runs", "1", "--warmup", "0", "--batch", "1"]
    plain, quiet = (subprocess.run([*bench, *flags], cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True,
                                   timeout=600) for flags in ([], ["--quiet"]))
    assert b"lstm_classifier: batch 1: run 1/1\n" in plain.stderr  # without --quiet: a line per phase
    assert (quiet.returncode, quiet.stderr) == (0, b"")
    assert b"| torch |" in quiet.stdout
