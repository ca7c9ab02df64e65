"""`archdsl render` and `archdsl build --backend graphviz`: outputs, and bad input (exit 2, nothing written)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from archdsl.cli import main

TINY = str(Path(__file__).parent / "data" / "tiny.yaml")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@needs_dot
@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_render_writes_images(tmp_path: Path, capsys, suffix: str, magic: bytes) -> None:
    target = tmp_path / f"tiny{suffix}"
    code, out, err = run(capsys, "render", TINY, "--depth", "1", "-o", str(target))
    assert code == 0 and err == "" and out == f"wrote {target} ({suffix[1:]})\n"
    assert target.read_bytes().startswith(magic)
    assert sorted(os.listdir(tmp_path)) == [target.name]  # no temporary file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # as open() would make it, not 0600



@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_only_raster_images_get_a_dpi(monkeypatch, fmt: str) -> None:
    import graphviz

    from archdsl.backends.graphviz.output import RASTER_DPI, image

    seen: list[bytes] = []
    monkeypatch.setattr(graphviz, "pipe", lambda engine, f, data: seen.append(data) or b"")
    source = 'digraph g {\n\ta -> b\n}\n'
    image(source, fmt)
    expected = f'digraph g {{\n\ta -> b\n\tdpi={RASTER_DPI[fmt]}\n}}\n' if fmt in RASTER_DPI else source
    assert seen == [expected.encode()]

def test_render_dot_equals_stdout_and_build(tmp_path: Path, capsys) -> None:
    code, printed, _ = run(capsys, "render", TINY, "--depth", "0", "--show", "rf", "--show", "macs")
    assert code == 0 and printed.startswith("digraph tiny {")
    assert run(capsys, "render", TINY, "--depth=0", "--show=macs,rf", "-o", str(tmp_path / "a.dot"))[0] == 0
    code, out, _ = run(capsys, "build", TINY, "--backend", "graphviz", "--depth", "0", "--show", "rf,macs",
                       "-o", str(tmp_path / "b.gv"))
    assert code == 0 and "wrote" in out
    assert (tmp_path / "a.dot").read_text() == printed == (tmp_path / "b.gv").read_text()


def test_params_inputs_and_expand_reach_the_diagram(capsys) -> None:
    code, out, _ = run(capsys, "render", "resnet18", "-p", "num_classes=7", "--input", "3x64x64",
                       "--depth", "0", "--expand", "layer2.0", "layer3", "--rankdir", "lr")
    assert code == 0
    assert "rankdir=LR" in out and "→ 7" in out and "N×3×64×64" in out
    assert 'subgraph "cluster_layer2.0"' in out and 'subgraph "cluster_layer3.1"' in out
    assert "cluster_layer1" not in out


@pytest.mark.parametrize(("argv", "message"), [
    (["-o", "OUT.jpg"], "'.jpg' is not a diagram format"),
    (["-o", "OUT"], "no suffix is not a diagram format"),
    (["--expand", "bodx", "-o", "OUT.svg"], "cannot expand 'bodx'"),
    (["--show", "flops", "-o", "OUT.svg"], "cannot show 'flops'"),
    (["-p", "width=0", "-o", "OUT.svg"], "error"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, capsys, argv: list[str], message: str) -> None:
    argv = [a.replace("OUT", str(tmp_path / "out")) for a in argv]
    code, out, err = run(capsys, "render", TINY, *argv)
    assert code == 2 and message in err and "Traceback" not in err
    assert os.listdir(tmp_path) == []


def test_unwritable_output_is_an_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "taken.dot").mkdir()
    code, _, err = run(capsys, "render", TINY, "-o", str(tmp_path / "taken.dot"))
    assert code == 2 and "cannot write" in err and "it is a directory" in err
    assert os.listdir(tmp_path) == ["taken.dot"] and os.listdir(tmp_path / "taken.dot") == []


def test_unknown_scope_names_the_spec_and_suggests(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "render", TINY, "--expand", "bodx", "-o", str(tmp_path / "x.svg"))
    assert code == 2
    assert err.startswith(f"{TINY}: error: cannot expand 'bodx'") and "hint: did you mean 'body'?" in err


@pytest.mark.parametrize("argv", [["--depth", "-1"], ["--depth", "one"], ["--rankdir", "BT"]])
def test_bad_flags_are_usage_errors(tmp_path: Path, capsys, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["render", TINY, *argv, "-o", str(tmp_path / "x.svg")])
    assert exited.value.code == 2 and os.listdir(tmp_path) == []


def test_build_needs_an_output(capsys) -> None:
    code, _, err = run(capsys, "build", TINY, "--backend", "graphviz")
    assert code == 2 and "needs -o" in err


def test_without_dot_images_fail_clearly_and_dot_files_still_work(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, _, err = run(capsys, "render", TINY, "-o", str(tmp_path / "x.svg"))
    assert code == 2 and "needs Graphviz's `dot` program" in err and "apt-get install graphviz" in err
    assert not (tmp_path / "x.svg").exists()
    assert run(capsys, "render", TINY, "-o", str(tmp_path / "x.dot"))[0] == 0
    assert (tmp_path / "x.dot").read_text().startswith("digraph tiny {")
