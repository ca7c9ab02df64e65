"""Outputs that would lose what the user owns: `-o` naming an input of the run (the spec, a
symlink or hard link to it, an `extends`/`use` file, a plugin module, the weights), a folder
that does not exist, a signal in the middle of a large write, two writers of one file.

Every case is a real `python -m archdsl` process; the expectation is written next to it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile.conftest import Finished, assert_clean_error

SPEC = "archdsl: 1\ninputs: {x: [4]}\ngraph:\n  - fc: {op: linear, out: 3}\n"
BASE = "archdsl: 1\nparams: {width: 3}\ninputs: {x: [4]}\ngraph:\n  - fc: {op: linear, out: '${width}'}\n"
CHILD = "archdsl: 1\nextends: base.yaml\nparams: {width: 5}\n"
BLOCKS = "archdsl: 1\nblocks:\n  head:\n    graph:\n      - fc: {op: linear, out: 3}\n"
USER = "archdsl: 1\nuse: [blocks.yaml]\ninputs: {x: [4]}\ngraph:\n  - h: {block: head}\n"
PLUGIN_SPEC = "archdsl: 1\nplugins: [my_ops]\ninputs: {x: [4]}\ngraph:\n  - fc: {op: linear, out: 3}\n"
PLUGIN = '"""A plugin module that registers nothing: importing it is all this case needs."""\n'
LARGE = "archdsl: 1\ninputs: {x: [4096]}\ngraph:\n  - fc: {op: linear, out: 4096}\n"
"""One 4096×4096 linear layer: 64 MiB of weights, quick to build, long enough to write that the
writer can be caught (and frozen) while its temporary file exists."""
MEDIUM = LARGE.replace("4096", "2048")
"""16 MiB: two writers and two reference runs of it stay cheap."""
OLD = b"the user's previous file\n"


def _weights_npz(folder: Path, name: str) -> None:
    import numpy as np

    np.savez(folder / name, **{"fc.weight": np.zeros((3, 4), np.float32), "fc.bias": np.zeros(3, np.float32)})


def _weights_pt(folder: Path, name: str) -> None:
    torch = pytest.importorskip("torch")
    torch.save({"fc.weight": torch.zeros(3, 4), "fc.bias": torch.zeros(3)}, folder / name)


@dataclass(frozen=True)
class InputCase:
    """A command whose output path is one of its own inputs."""

    files: dict[str, str | Callable[[Path, str], None]]
    """Files to create: text, or a function that writes the file."""
    args: tuple[str, ...]
    protected: str
    """The input the output names: it must come out byte for byte as it went in."""
    expected: tuple[str, ...]
    """Fragments of the message."""
    links: tuple[tuple[str, str, str], ...] = ()
    """(kind, name, target): 'symlink' or 'hard' links to create."""


INPUT_CASES: dict[str, InputCase] = {
    # the spec itself: the report must not replace it
    "output is the spec": InputCase(
        {"s.yaml": SPEC}, ("analyze", "s.yaml", "-o", "s.yaml"), "s.yaml",
        ("cannot write 's.yaml': it is the spec this command reads", "hint: write the output to another file")),
    # a symlink to the spec: writing through it would replace the spec
    "output is a symlink to the spec": InputCase(
        {"s.yaml": SPEC}, ("analyze", "s.yaml", "--format", "json", "-o", "link.yaml"), "s.yaml",
        ("cannot write 'link.yaml': it is the spec this command reads ('s.yaml' under another name)",),
        links=(("symlink", "link.yaml", "s.yaml"),)),
    # a hard link to the spec: the same inode under another name
    "output is a hard link to the spec": InputCase(
        {"s.yaml": SPEC}, ("lint", "s.yaml", "-o", "hard.yaml"), "s.yaml",
        ("cannot write 'hard.yaml': it is the spec this command reads ('s.yaml' under another name)",),
        links=(("hard", "hard.yaml", "s.yaml"),)),
    # the spec named through a symlink, the output the real file
    "spec read through a symlink, output the real file": InputCase(
        {"s.yaml": SPEC}, ("diff", "link.yaml", "--vs-input", "8", "-o", "s.yaml"), "s.yaml",
        ("cannot write 's.yaml': it is the spec this command reads ('link.yaml' under another name)",),
        links=(("symlink", "link.yaml", "s.yaml"),)),
    # the parent of an `extends:` chain; the message points at the `extends:` line
    "output is the extends parent": InputCase(
        {"base.yaml": BASE, "child.yaml": CHILD}, ("analyze", "child.yaml", "-o", "base.yaml"), "base.yaml",
        ("child.yaml:2:", "cannot write 'base.yaml': it is the spec that 'child.yaml' extends")),
    # a block library named by `use:`
    "output is a use block library": InputCase(
        {"blocks.yaml": BLOCKS, "model.yaml": USER}, ("render", "model.yaml", "-o", "blocks.dot"), "blocks.dot",
        ("cannot write 'blocks.dot': it is a block library that 'model.yaml' uses ('blocks.yaml' under another name)",),
        links=(("symlink", "blocks.dot", "blocks.yaml"),)),
    # the plugin module the spec imports: the torch backend's .py artifact would replace its code
    "output is the plugin module": InputCase(
        {"model.yaml": PLUGIN_SPEC, "my_ops.py": PLUGIN},
        ("build", "model.yaml", "--backend", "torch", "--allow-plugins", "-o", "my_ops.py"), "my_ops.py",
        ("cannot write 'my_ops.py': it is plugin module 'my_ops', which this command imports",)),
    # the checkpoint passed to export --weights (saved under an .onnx name, the only name export writes)
    "output is the export --weights file": InputCase(
        {"s.yaml": SPEC, "ckpt.onnx": _weights_pt},
        ("export", "s.yaml", "--weights", "ckpt.onnx", "-o", "ckpt.onnx"), "ckpt.onnx",
        ("cannot write 'ckpt.onnx': it is the weights file this command reads",)),
    # the weights of `run`, saved over by --save
    "run --save is the --weights file": InputCase(
        {"s.yaml": SPEC, "w.npz": _weights_npz}, ("run", "s.yaml", "--weights", "w.npz", "--save", "w.npz"), "w.npz",
        ("cannot write 'w.npz': it is the weights file this command reads",)),
}


@pytest.mark.parametrize("case", INPUT_CASES)
def test_an_output_never_replaces_an_input(archdsl_cli: Callable[..., Finished], tmp_path: Path, case: str) -> None:
    given = INPUT_CASES[case]
    for name, content in given.files.items():
        if isinstance(content, str):
            (tmp_path / name).write_text(content, encoding="utf-8")
        else:
            content(tmp_path, name)
    for kind, name, target in given.links:
        if kind == "symlink":
            os.symlink(target, tmp_path / name)
        else:
            os.link(tmp_path / target, tmp_path / name)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    done = archdsl_cli(*given.args)
    assert_clean_error(done, *given.expected)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before, "an input changed or a file appeared"
    for kind, name, _ in given.links:
        assert (tmp_path / name).is_symlink() == (kind == "symlink")


@pytest.mark.parametrize("command", [
    ("render", "s.yaml", "-o", "missing/deeper/x.png"),
    ("analyze", "s.yaml", "-o", "missing/deeper/x.png"),
    ("export", "s.yaml", "-o", "missing/deeper/x.png"),
], ids=lambda c: c[0])
def test_a_missing_folder_is_refused_and_not_created(archdsl_cli: Callable[..., Finished], tmp_path: Path,
                                                     command: tuple[str, ...]) -> None:
    # every command: a located refusal with the mkdir to run; no folder, no file, no temporary
    (tmp_path / "s.yaml").write_text(SPEC, encoding="utf-8")
    done = archdsl_cli(*command)
    assert_clean_error(done, "cannot write 'missing/deeper/x.png': folder 'missing/deeper' does not exist",
                       "hint: create it first (mkdir -p missing/deeper)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]


def _dispositions(ignored: Sequence[int]) -> Callable[[], None]:
    """For the child: default dispositions (a test runner may ignore some), `ignored` ignored."""

    def reset() -> None:
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_IGN if number in ignored else signal.SIG_DFL)

    return reset


def _start(args: Sequence[str], cwd: Path, ignored: Sequence[int] = ()) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "archdsl", *args], cwd=cwd, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_dispositions(ignored))


def _temporaries(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


def _stopped_while_writing(child: subprocess.Popen[str], folder: Path) -> bool:
    """Wait for the child's temporary file and freeze the child (SIGSTOP) while it exists:
    True when frozen mid-write; False when it got past the write before it could be frozen
    (then it runs on)."""
    while child.poll() is None and not _temporaries(folder):
        time.sleep(0.001)
    if child.poll() is not None:
        return False
    os.kill(child.pid, signal.SIGSTOP)
    if _temporaries(folder):
        return True
    os.kill(child.pid, signal.SIGCONT)
    return False


def _interrupted_write(args: Sequence[str], folder: Path, number: int,
                       ignored: Sequence[int] = ()) -> subprocess.CompletedProcess[str]:
    """Run archdsl; send `number` while it writes its output (a few tries if a write is too quick to catch)."""
    for _ in range(3):
        child = _start(args, folder, ignored)
        caught = _stopped_while_writing(child, folder)
        if caught:
            os.kill(child.pid, number)
            os.kill(child.pid, signal.SIGCONT)
        out, err = child.communicate(timeout=600)
        if caught:
            return subprocess.CompletedProcess(args, child.returncode, out, err)
    pytest.fail("the write always finished before it could be interrupted")


@pytest.mark.parametrize(("number", "command"), [
    (signal.SIGTERM, ("export", "large.yaml", "-o", "m.onnx")),
    (signal.SIGHUP, ("build", "large.yaml", "--backend", "torch", "-o", "m.pt")),
    (signal.SIGINT, ("export", "large.yaml", "-o", "m.onnx")),
], ids=lambda v: v.name if isinstance(v, signal.Signals) else v[0])
def test_a_signal_during_a_large_write_leaves_the_old_file(tmp_path: Path, number: int,
                                                           command: tuple[str, ...]) -> None:
    # exit 128 + the signal, one line on stderr, no traceback; the old target byte for byte, no temporary
    (tmp_path / "large.yaml").write_text(LARGE, encoding="utf-8")
    target = tmp_path / command[-1]
    target.write_bytes(OLD)
    done = _interrupted_write(command, tmp_path, number)
    assert done.returncode == 128 + number, done.stderr
    assert done.stderr.strip().splitlines()[-1] == ("interrupted" if number == signal.SIGINT else "terminated")
    assert "Traceback" not in done.stderr
    assert target.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["large.yaml", target.name])


def test_an_ignored_sighup_stays_ignored(tmp_path: Path) -> None:
    # `nohup archdsl ...`: SIGHUP was ignored when archdsl started, so it finishes the write (exit 0)
    (tmp_path / "large.yaml").write_text(LARGE, encoding="utf-8")
    (tmp_path / "m.onnx").write_bytes(OLD)
    done = _interrupted_write(("export", "large.yaml", "-o", "m.onnx"), tmp_path, signal.SIGHUP,
                              ignored=(signal.SIGHUP,))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "m.onnx").stat().st_size > 64 * 2**20 and not _temporaries(tmp_path)


def test_two_writers_of_one_file_each_leave_a_whole_file(tmp_path: Path) -> None:
    # A is frozen mid-write while B writes the same target from start to end; then A finishes.
    # Each rename leaves a complete file: B's first, then A's (the last rename wins), no temporary
    (tmp_path / "large.yaml").write_text(MEDIUM, encoding="utf-8")
    writer = ("export", "large.yaml", "-o", "m.onnx", "--seed")
    for _ in range(3):
        first = _start([*writer, "1"], tmp_path)
        if _stopped_while_writing(first, tmp_path):
            break
        first.communicate(timeout=600)
    else:
        pytest.fail("the write always finished before it could be frozen")
    second = _start([*writer, "2"], tmp_path)
    assert second.wait(timeout=600) == 0, second.communicate()[1]
    from_second = (tmp_path / "m.onnx").read_bytes()
    os.kill(first.pid, signal.SIGCONT)
    assert first.wait(timeout=600) == 0, first.communicate()[1]
    from_first = (tmp_path / "m.onnx").read_bytes()
    for seed, name in (("1", "a.onnx"), ("2", "b.onnx")):  # the same command writes the same bytes
        assert _start(["export", "large.yaml", "-o", name, "--seed", seed], tmp_path).wait(timeout=600) == 0
    assert from_second == (tmp_path / "b.onnx").read_bytes()
    assert from_first == (tmp_path / "a.onnx").read_bytes()
    assert not _temporaries(tmp_path)
