"""The hostile-input corpus: inputs written to hurt (resource bombs, path tricks, names, signals, writers).

Every case runs the real command line in a fresh process (`python -m archdsl`), so what
is measured is what a user's shell sees: exit status, stderr, files left behind, and the
child's own CPU time and peak memory (from `os.wait4`, not the test process's).

Each test module lists its cases as `HostileCase`s with the expectation written next to
the input; `tests/hostile/README.md` says how the corpus is organised.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Finished:
    """How one archdsl process ended."""

    status: int
    out: str
    err: str
    cpu_s: float
    """User + system CPU time of the child alone."""
    peak_rss_mb: float
    """Peak resident memory of the child alone, MiB."""
    wall_s: float


_USAGE: dict[int, tuple[float, float]] = {}


def _child_usage(pid: int) -> tuple[float, float]:
    return _USAGE.pop(pid, (float("nan"), float("nan")))


class _MeasuredPopen(subprocess.Popen):
    """A Popen whose reaping records the child's own rusage (os.wait4)."""

    def _try_wait(self, wait_flags: int):  # type: ignore[override]
        try:
            pid, status, usage = os.wait4(self.pid, wait_flags)
        except ChildProcessError:
            return self.pid, 0
        if pid == self.pid:
            _USAGE[pid] = (usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
        return pid, status




def run_archdsl(args: Sequence[str | os.PathLike[str]], cwd: Path, timeout: float = 120.0,
                env: dict[str, str] | None = None) -> Finished:
    """Run `python -m archdsl ARGS` in `cwd` and measure that process alone."""
    started = time.perf_counter()
    child = _MeasuredPopen([sys.executable, "-m", "archdsl", *map(str, args)], cwd=cwd,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, **(env or {})}, text=True)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise
    # communicate() reaped the child; its rusage is in the children totals, so take it from a wait4 twin
    return Finished(child.returncode, out, err, *_child_usage(child.pid), time.perf_counter() - started)


@pytest.fixture
def archdsl_cli(tmp_path: Path) -> Callable[..., Finished]:
    """Run archdsl in a fresh process with tmp_path as the working directory."""

    def run(*args: str | os.PathLike[str], timeout: float = 120.0, env: dict[str, str] | None = None) -> Finished:
        return run_archdsl(args, tmp_path, timeout, env)

    return run


def assert_clean_error(done: Finished, *fragments: str) -> None:
    """Exit 2, every fragment in stderr, no traceback, no internal error."""
    assert "Traceback" not in done.out + done.err, done.err
    assert "internal error" not in done.err, done.err
    assert done.status == 2, f"exit {done.status}\n{done.err}"
    for fragment in fragments:
        assert fragment in done.err, f"{fragment!r} not in:\n{done.err}"
